using System.Text.Json.Serialization;

namespace Gamut.Agent.Upstream;

/// <summary>
/// Source-generated JSON metadata for <see cref="DecisionTokenPayload"/>: a missing member other than the optional ones
/// (<c>deg</c>, <c>tgn</c>, <c>agn</c>, <c>pol</c>, <c>rid</c>, <c>apr</c>, <c>evl</c>) is refused; a member this version does not
/// know is skipped (the gateway adds claims an older verifier need not read: the signature covers them all); optional
/// members are written only when set.
/// </summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DecisionTokenPayload))]
internal sealed partial class DecisionTokenJsonContext : JsonSerializerContext;
