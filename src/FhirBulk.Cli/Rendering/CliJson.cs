using System.Text.Json.Serialization;
using FhirBulk.Cli.Commands;
using FhirBulk.Cli.Settings;
using FhirBulk.Export;
using FhirBulk.Workshop;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// Source-generated metadata of every type the tool serializes or reads as JSON: Native AOT has no reflection-based
/// serialization. Each options instance that uses it (<see cref="JsonOutput.Options"/>, the answers', the profile
/// file's) keeps its own naming, encoder and null handling, so the output is what reflection wrote.
/// </summary>
[JsonSerializable(typeof(ErrorJson))]
[JsonSerializable(typeof(ExportJson))]
[JsonSerializable(typeof(ExportCancelJson))]
[JsonSerializable(typeof(GenerateJson))]
[JsonSerializable(typeof(InspectJson))]
[JsonSerializable(typeof(KeygenJson))]
[JsonSerializable(typeof(LakeMergeJson))]
[JsonSerializable(typeof(ServeCommand.ServeAnswer))]
[JsonSerializable(typeof(SyncResultJson))]
[JsonSerializable(typeof(SyncCompactJson))]
[JsonSerializable(typeof(ViewExplainJson))]
[JsonSerializable(typeof(ViewRunJson))]
[JsonSerializable(typeof(ViewTestJson))]
[JsonSerializable(typeof(ServerSummary))]
[JsonSerializable(typeof(List<GroupInfo>))]
[JsonSerializable(typeof(WorkshopAnswers))]
[JsonSerializable(typeof(ProfileFile))]
// query --json: rows of the values ValueText.Json gives, which are serialized by their runtime type.
[JsonSerializable(typeof(List<Dictionary<string, object?>>))]
[JsonSerializable(typeof(object[]))]
[JsonSerializable(typeof(List<object?>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(short))]
[JsonSerializable(typeof(byte))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(float))]
[JsonSerializable(typeof(decimal))]
internal sealed partial class CliJson : JsonSerializerContext;
