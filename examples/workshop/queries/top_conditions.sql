-- Question 2: the five most common conditions, counting only the first diagnosis of a condition
-- for each patient (a condition diagnosed again at a later visit counts once for that patient).
-- Ties are broken by code so that the answer does not depend on row order.
WITH diagnoses AS (
  SELECT patient, code, display,
         row_number() OVER (
           PARTITION BY patient, code
           ORDER BY coalesce(onset, recorded_date) NULLS LAST, id) AS nth_diagnosis
  FROM conditions
  WHERE patient IS NOT NULL AND code IS NOT NULL
)
SELECT code, min(display) AS display, count(*) AS patients
FROM diagnoses
WHERE nth_diagnosis = 1
GROUP BY code
ORDER BY patients DESC, code
LIMIT 5;
