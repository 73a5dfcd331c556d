using System.Text;
using FhirBulk.Server.Data;
using FhirBulk.Server.Data.Generation;
using FhirBulk.Server.Fhir;

namespace FhirBulk.Server.Export;

/// <summary>
/// <c>organizeOutputBy=Patient</c> (Bulk Data IG STU3): each patient's resources form one block, led by a
/// Parameters header naming the patient, and a block never spans two files. The store is ordered by
/// type, so resources are first spread over bucket files by patient, then each bucket (a bounded slice
/// of the population) is grouped in memory; memory stays flat as the population grows.
/// </summary>
internal sealed class PatientOrganizedWriter(ExportJob job, ResourceStore store, int resourcesPerFile, ExportRunner runner)
{
    private const long BytesPerBucket = 32L << 20;

    public void Run(CancellationToken cancellationToken)
    {
        var types = job.Types.Where(ResourceTypes.InPatientCompartment).ToList();
        foreach (var skipped in job.Types.Except(types))
        {
            runner.Problem("warning", "not-supported", $"{skipped} resources belong to no patient and are left out of a Patient-organized export.");
        }

        var totalBytes = types.SelectMany(store.FilesOf).Sum(f => new FileInfo(f).Length);
        var buckets = (int)Math.Clamp((totalBytes / BytesPerBucket) + 1, 1, 256);
        var bucketFolder = Path.Combine(job.Directory, ".buckets");
        Directory.CreateDirectory(bucketFolder);
        try
        {
            Spread(types, bucketFolder, buckets, cancellationToken);
            job.Progress = 0.5;
            using var writer = new OutputFileWriter(job.Directory, string.Empty, "Patient-organized", null, resourcesPerFile, runner.OnOutputClosed);
            for (var bucket = 0; bucket < buckets; bucket++)
            {
                WriteBucket(Path.Combine(bucketFolder, $"{bucket}.tmp"), writer, cancellationToken);
            }
        }
        finally
        {
            Directory.Delete(bucketFolder, recursive: true);
        }
    }

    private void Spread(List<string> types, string folder, int buckets, CancellationToken cancellationToken)
    {
        var files = new FileStream[buckets];
        try
        {
            for (var i = 0; i < buckets; i++)
            {
                files[i] = new FileStream(Path.Combine(folder, $"{i}.tmp"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            }

            foreach (var type in types)
            {
                var projection = runner.ProjectionFor(type);
                foreach (var line in runner.Select(type, cancellationToken))
                {
                    var patient = ResourceHeader.Read(line.Span).PatientId!;
                    var file = files[(int)(DeterministicRandom.StableHash(patient) % (ulong)buckets)];

                    // "<patient id>\t<resource>\n": a tab cannot occur in an id, and the Patient sorts first in its block.
                    file.Write(Encoding.UTF8.GetBytes(patient));
                    file.WriteByte((byte)'\t');
                    file.Write(projection is null ? line.Span : projection.Project(line.Span));
                    file.WriteByte((byte)'\n');
                }
            }
        }
        finally
        {
            foreach (var file in files)
            {
                file?.Dispose();
            }
        }
    }

    private static void WriteBucket(string path, OutputFileWriter writer, CancellationToken cancellationToken)
    {
        var blocks = new SortedDictionary<string, List<byte[]>>(StringComparer.Ordinal);
        using (var reader = NdjsonLineReader.Open(path))
        {
            while (reader.TryReadLine(out var line))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var tab = line.Span.IndexOf((byte)'\t');
                var patient = Encoding.UTF8.GetString(line.Span[..tab]);
                if (!blocks.TryGetValue(patient, out var block))
                {
                    blocks[patient] = block = [];
                }

                var resource = line.Span[(tab + 1)..].ToArray();
                if (ResourceHeader.Read(resource).ResourceType == "Patient")
                {
                    block.Insert(0, resource);
                }
                else
                {
                    block.Add(resource);
                }
            }
        }

        foreach (var (patient, block) in blocks)
        {
            writer.KeepTogether(block.Count + 1);
            writer.Write(Encoding.UTF8.GetBytes(
                $$$"""{"resourceType":"Parameters","parameter":[{"name":"header","valueReference":{"reference":"Patient/{{{patient}}}"}}]}"""));
            foreach (var resource in block)
            {
                writer.Write(resource);
            }
        }
    }
}
