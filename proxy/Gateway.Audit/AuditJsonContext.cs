using System.Text.Json.Serialization;

namespace Gateway.Audit;

/// <summary>
/// Source-generated JSON for what the audit log stores: snake_case members, nulls left out, independent of the
/// host's JSON options (the same settings as Gateway.Oversight's context, so a record reads the same either way).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(string))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
