using System.Text.Json.Serialization;

namespace Gamut.Agent.Upstream;

/// <summary>
/// Source-generated JSON metadata for <see cref="DecisionTokenPayload"/>: an unknown member, or a missing one other than
/// the optional ones (<c>deg</c>, <c>tgn</c>, <c>agn</c>, <c>pol</c>, <c>rid</c>, <c>apr</c>, <c>evl</c>), is refused;
/// optional members are written only when set.
/// </summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DecisionTokenPayload))]
internal sealed partial class DecisionTokenJsonContext : JsonSerializerContext;
