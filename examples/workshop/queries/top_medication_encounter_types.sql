-- Question 3b: the five most common types of the encounters in which the most common medication
-- was prescribed, counting each encounter once. The join goes through reference keys
-- (getReferenceKey(Encounter) = getResourceKey()), so it holds whether the export writes
-- references as Encounter/<id> or as urn:uuid:<id>.
WITH top_medication AS (
  SELECT medication_code
  FROM medication_requests
  WHERE medication_code IS NOT NULL
  GROUP BY medication_code
  ORDER BY count(*) DESC, medication_code
  LIMIT 1
)
SELECT e.type_code AS code, min(e.type_display) AS display, count(DISTINCT e.id) AS count
FROM medication_requests AS m
JOIN top_medication AS t ON m.medication_code = t.medication_code
JOIN encounters AS e ON e.id = m.encounter
WHERE e.type_code IS NOT NULL
GROUP BY e.type_code
ORDER BY count DESC, code
LIMIT 5;
