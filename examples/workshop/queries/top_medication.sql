-- Question 3a: the most commonly requested medication (MedicationRequest).
SELECT medication_code AS code, min(medication_display) AS display, count(*) AS requests
FROM medication_requests
WHERE medication_code IS NOT NULL
GROUP BY medication_code
ORDER BY requests DESC, code
LIMIT 1;
