namespace FhirBulk.Server;
