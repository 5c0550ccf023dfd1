using System.Text.Json.Serialization;

namespace Gamut.Agent.Upstream;

/// <summary>
/// Source-generated JSON metadata for <see cref="DecisionTokenPayload"/>: an unknown member, or a missing one other than
/// <c>deg</c>, is refused; <c>deg</c> is written only when set.
/// </summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DecisionTokenPayload))]
internal sealed partial class DecisionTokenJsonContext : JsonSerializerContext;
