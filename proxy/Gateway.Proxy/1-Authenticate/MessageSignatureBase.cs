using System.Text;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The signature base of RFC 9421 §2.5 for the gateway's profile: one line <c>"name": value</c> per covered component in
/// the order the signature lists them, then <c>"@signature-params": </c> and the serialised parameters, joined by
/// <c>\n</c> with no trailing newline; as UTF-8 bytes, what the key signed.
/// </summary>
internal static class MessageSignatureBase
{
    /// <summary>
    /// The base of <paramref name="signature"/> for a request with <paramref name="method"/> sent to <paramref name="targetUri"/>,
    /// carrying <paramref name="personToken"/> in <c>X-Gamut-Person</c> (its value as sent, RFC 9421 §2.1) when the signature covers it.
    /// </summary>
    public static byte[] Build(MessageSignature signature, string method, string targetUri, string? personToken = null)
    {
        var builder = new StringBuilder(512);
        foreach (var component in signature.Components)
        {
            var value = component switch
            {
                "@method" => method,
                "@target-uri" => targetUri,
                "content-digest" => signature.ContentDigest,
                "x-gamut-tenant" => signature.Tenant,
                "x-gamut-workspace" => signature.Workspace,
                "x-gamut-agent" => signature.Agent,
                MessageSignature.PersonComponent => personToken ?? throw new InvalidOperationException("The signature covers the person, who is absent."),
                MessageSignature.RunComponent => signature.Run,
                _ => throw new InvalidOperationException($"The profile covers no component {component}."),
            };
            builder.Append('"').Append(component).Append("\": ").Append(value).Append('\n');
        }

        builder.Append("\"@signature-params\": ").Append(signature.SignatureParameters);
        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
