using System.Text.Json.Serialization;

namespace Gamut.Agent.Upstream;

/// <summary>
/// Source-generated JSON metadata for <see cref="DecisionTokenPayload"/>: a missing member other than <c>deg</c> is
/// refused; a member this version does not know is skipped (the gateway adds claims an older verifier need not read:
/// the signature covers them all); <c>deg</c> is written only when set.
/// </summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DecisionTokenPayload))]
internal sealed partial class DecisionTokenJsonContext : JsonSerializerContext;
