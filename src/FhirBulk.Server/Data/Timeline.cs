using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FhirBulk.Server.Data;

/// <summary>
/// The simulated clock of a generated population that advances in steps, kept in <c>steps/timeline.json</c> beside
/// the data. Step <c>k</c>'s changes live in <c>steps/NNNN/</c> and are stamped inside its window
/// (<see cref="WindowStart"/>, <see cref="WindowEnd"/>]; the data's time after <c>k</c> steps is the end of that window,
/// so an export's <c>transactionTime</c> taken then is later than every change it holds and earlier than the next step's.
/// </summary>
internal sealed record Timeline(PopulationOptions Population, int Steps)
{
    public const string Folder = "steps";
    private const string FileName = "timeline.json";

    /// <summary>The data's time after <see cref="Steps"/> steps.</summary>
    public DateTimeOffset Now => WindowEnd(Steps);

    public DateTimeOffset WindowStart(int step) => WindowEnd(step - 1);

    public DateTimeOffset WindowEnd(int step) => Population.ReferenceDate + (Population.StepLength * step);

    public static string StepFolder(string dataDirectory, int step) =>
        Path.Combine(dataDirectory, Folder, step.ToString("0000", CultureInfo.InvariantCulture));

    /// <summary>The timeline of a data folder, or null when the folder never advanced (it keeps the real clock).</summary>
    public static Timeline? Read(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, Folder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject ?? throw new JsonException("not a JSON object");
            JsonNode Field(string name) => root[name] ?? throw new JsonException($"'{name}' is missing");
            var population = new PopulationOptions
            {
                Patients = (int)Field("patients"),
                Seed = (int)Field("seed"),
                ReferenceDate = DateTimeOffset.Parse((string)Field("referenceDate")!, CultureInfo.InvariantCulture),
                HistoryYears = (int)Field("historyYears"),
                DeletedRate = (double)Field("deletedRate"),
                StepLength = TimeSpan.FromSeconds((long)Field("stepSeconds")),
                // Timelines written before the setting existed played the default mix.
                StepActivity = (double?)root["stepActivity"] ?? 1,
            };
            population.Validate();
            var steps = 0;
            while (Directory.Exists(StepFolder(dataDirectory, steps + 1)))
            {
                steps++;
            }

            return new Timeline(population, steps);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new FormatException($"{path} is not a timeline this server wrote ({exception.Message}).", exception);
        }
    }

    /// <summary>Writes the timeline file; the step count is not stored, it is the number of step folders.</summary>
    public void Write(string dataDirectory)
    {
        var folder = Path.Combine(dataDirectory, Folder);
        Directory.CreateDirectory(folder);
        var root = new JsonObject
        {
            ["patients"] = Population.Patients,
            ["seed"] = Population.Seed,
            ["referenceDate"] = Population.ReferenceDate.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["historyYears"] = Population.HistoryYears,
            ["deletedRate"] = Population.DeletedRate,
            ["stepSeconds"] = (long)Population.StepLength.TotalSeconds,
            ["stepActivity"] = Population.StepActivity,
        };
        File.WriteAllText(Path.Combine(folder, FileName), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
