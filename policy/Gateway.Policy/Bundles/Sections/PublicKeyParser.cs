using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads an agent's <c>public_key</c> or <c>next_public_key</c>: <c>{ alg, key, key_id }</c>, every field required, the
/// key readable as a key of the algorithm named (<see cref="SubjectPublicKeyInfos"/>), the key id 1 to 128 characters of
/// <c>[A-Za-z0-9._:-]</c>. Every error is reported; null when any field is unusable.
/// </summary>
internal sealed partial class PublicKeyParser(YamlNodeReader reader)
{
    public const int MaxKeyIdLength = 128;

    public AgentPublicKey? Parse(YamlNode node, string what)
    {
        var f = reader.Mapping(node, what, "alg", "key", "key_id");
        if (f is null)
        {
            return null;
        }

        var algorithm = f.Required("alg") is { } algNode ? reader.Enum<PublicKeyAlgorithm>(algNode, what + ".alg") : null;
        var keyText = f.RequiredString("key");
        var keyId = f.RequiredString("key_id");
        if (keyId is not null && !IsKeyId(keyId))
        {
            reader.Error(f["key_id"]!, BundleErrorCodes.InvalidValue, $"{what}.key_id '{keyId}' must be 1 to {MaxKeyIdLength} characters of [A-Za-z0-9._:-]");
            keyId = null;
        }

        if (algorithm is not { } alg || keyText is null)
        {
            return null;
        }

        if (SubjectPublicKeyInfos.TryRead(keyText, alg, out var error) is not { } spki)
        {
            reader.Error(f["key"]!, BundleErrorCodes.InvalidValue, $"{what}.key {error}");
            return null;
        }

        return keyId is null ? null : new AgentPublicKey(alg, keyId, spki);
    }

    private static bool IsKeyId(string value) => KeyIdPattern().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex KeyIdPattern();
}
