-- Question 1: how many patients have ever received an influenza vaccine?
-- Influenza vaccines are the CVX codes of the CDC's "FLU" vaccine group (seasonal, pandemic
-- H1N1/H5N1, live attenuated, recombinant, cell-culture, adjuvanted, high-dose, intradermal).
-- An immunization that was not given (not-done) or recorded in error does not count.
SELECT count(DISTINCT patient) AS flu_vaccinated_patients
FROM immunizations
WHERE patient IS NOT NULL
  AND coalesce(status, '') NOT IN ('not-done', 'entered-in-error')
  AND cvx_code IN (
    '15', '16', '88', '111', '125', '126', '127', '128', '135', '140', '141', '144', '149',
    '150', '151', '153', '155', '158', '160', '161', '166', '168', '171', '185', '186', '197',
    '200', '201', '202', '205');
