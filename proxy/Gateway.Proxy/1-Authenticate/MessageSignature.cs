using Gateway.Connectors.Signing;
using Gateway.Oversight;
using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// One request's RFC 9421 signature under the gateway's profile, parsed strictly from <c>Signature-Input</c>,
/// <c>Signature</c>, <c>Content-Digest</c> and the identity headers: one signature, covering exactly
/// <see cref="RequiredComponents"/> (each once, no component parameters) and, on a request acting for a person,
/// <see cref="PersonComponent"/> (a covered person's header must be sent) and, when the request carries a run
/// (<c>X-Gamut-Run</c>), <see cref="RunComponent"/> too, with the parameters <c>created</c>,
/// <c>nonce</c> (the v1 nonce rules), <c>keyid</c> and <c>alg</c> (and <c>expires</c>, when given) and no other.
/// A signature that leaves a required component uncovered is <c>signature_component_missing</c>, one that covers
/// anything else <c>signature_component_unsupported</c>; everything else malformed is <c>malformed_header</c>, anything
/// absent <c>missing_header</c>. Nothing here touches a key, the body or the store.
/// </summary>
internal sealed record MessageSignature(
    string Tenant,
    string Workspace,
    string Agent,
    IReadOnlyList<string> Components,
    string SignatureParameters,
    long Created,
    long? Expires,
    string Nonce,
    string KeyId,
    string Algorithm,
    string ContentDigest,
    byte[] Signature)
{
    /// <summary>The component that covers <c>X-Gamut-Run</c>: required when the request carries the header, refused when it does not.</summary>
    public const string RunComponent = "x-gamut-run";

    /// <summary>The components every signature must cover (lowercase, as RFC 9421 names them), in the order the SDKs sign them.</summary>
    public static readonly IReadOnlyList<string> RequiredComponents =
        ["@method", "@target-uri", "content-digest", "x-gamut-tenant", "x-gamut-workspace", "x-gamut-agent"];

    /// <summary>
    /// The one optional component: <c>X-Gamut-Person</c>, which a request acting for a person must cover (the SDKs sign it
    /// after the six); a request carrying the header without covering it is refused <c>person_token_unbound</c>.
    /// </summary>
    public const string PersonComponent = "x-gamut-person";

    /// <summary>True when the signature covers <see cref="PersonComponent"/>: the person's token is bound to this request.</summary>
    public bool CoversPerson => Components.Contains(PersonComponent);

    private const int MaxKeyIdLength = 128;
    private const int MaxSignatureBytes = 64;

    /// <summary>The run the request belongs to (<c>X-Gamut-Run</c>, covered as <see cref="RunComponent"/>); null without one.</summary>
    public string? Run { get; init; }

    public static bool TryParse(IHeaderDictionary headers, out MessageSignature? parsed, out string code, out string detail)
    {
        parsed = null;
        if (!SignedRequestHeaders.TryParseIdentity(headers, out var tenant, out var workspace, out var agent, out code, out detail)
            || !SignedRequestHeaders.TryGetSingle(headers, SignatureHeaders.SignatureInput, out var inputText, out code, out detail)
            || !SignedRequestHeaders.TryGetSingle(headers, SignatureHeaders.MessageSignature, out var signatureText, out code, out detail)
            || !TryGetContentDigest(headers, out var contentDigest, out code, out detail)
            || !RunHeader.TryRead(headers, out var run, out code, out detail))
        {
            return false;
        }

        code = ProblemCodes.MalformedHeader;
        if (StructuredField.ParseDictionary(inputText) is not [var (label, input)] || input.Items is null)
        {
            detail = $"{SignatureHeaders.SignatureInput} must be a dictionary of exactly one signature whose value is an inner list (RFC 9421 §4.1).";
            return false;
        }

        if (StructuredField.ParseDictionary(signatureText) is not [var (signatureLabel, signatureMember)]
            || signatureLabel != label || signatureMember is not { Items: null, Value: byte[] signature, Parameters.Count: 0 }
            || signature.Length is 0 or > MaxSignatureBytes)
        {
            detail = $"{SignatureHeaders.MessageSignature} must hold one byte sequence, under the label '{label}' of {SignatureHeaders.SignatureInput} (RFC 9421 §4.2).";
            return false;
        }

        if (!TryReadComponents(input.Items, run is not null, out var components, out code, out detail)
            || !TryReadParameters(input.Parameters, out var parameters, out code, out detail))
        {
            return false;
        }

        if (components.Contains(PersonComponent) && !headers.ContainsKey(SignatureHeaders.Person))
        {
            // RFC 9421 §2.5: a covered field the message lacks cannot be signed over.
            code = ProblemCodes.MissingHeader;
            detail = $"The signature covers \"{PersonComponent}\" but the request has no {SignatureHeaders.Person} header.";
            return false;
        }

        parsed = new MessageSignature(tenant, workspace, agent, components, StructuredField.SerializeInnerList(input),
            parameters.Created, parameters.Expires, parameters.Nonce, parameters.KeyId, parameters.Algorithm, contentDigest, signature)
        {
            Run = run,
        };
        code = string.Empty;
        detail = string.Empty;
        return true;
    }

    /// <summary>Content-Digest's lines combined as RFC 9421 §2.1 says (each trimmed, joined by <c>", "</c>).</summary>
    private static bool TryGetContentDigest(IHeaderDictionary headers, out string value, out string code, out string detail)
    {
        StringValues values = headers[SignatureHeaders.ContentDigest];
        value = values.Count == 1 ? values[0]!.Trim() : string.Join(", ", values.Select(v => v!.Trim()));
        if (value.Length == 0)
        {
            code = ProblemCodes.MissingHeader;
            detail = $"The signed-request header {SignatureHeaders.ContentDigest} is missing (RFC 9530; sha-256 of the body, of the empty body too).";
            return false;
        }

        code = string.Empty;
        detail = string.Empty;
        return true;
    }

    private static bool TryReadComponents(IReadOnlyList<StructuredMember> items, bool carriesRun, out List<string> components, out string code, out string detail)
    {
        var covered = new List<string>(items.Count);
        components = covered;
        foreach (var item in items)
        {
            if (item.Value is RunComponent && item.Parameters.Count == 0 && !carriesRun)
            {
                code = ProblemCodes.SignatureComponentUnsupported;
                detail = $"The signature covers \"{RunComponent}\" but the request carries no {SignatureHeaders.Run}.";
                return false;
            }

            if (item.Value is not string name || item.Parameters.Count > 0 || !(RequiredComponents.Contains(name) || name == PersonComponent || name == RunComponent) || components.Contains(name))
            {
                code = ProblemCodes.SignatureComponentUnsupported;
                detail = $"The signature covers {Describe(item)}; this profile covers exactly {string.Join(", ", RequiredComponents)} (and \"{PersonComponent}\" for a person, \"{RunComponent}\" with {SignatureHeaders.Run}), each once, without parameters.";
                return false;
            }

            covered.Add(name);
        }

        if (RequiredComponents.FirstOrDefault(c => !covered.Contains(c)) is { } missing)
        {
            code = ProblemCodes.SignatureComponentMissing;
            detail = $"The signature does not cover \"{missing}\"; it must cover {string.Join(", ", RequiredComponents)}.";
            return false;
        }

        if (carriesRun && !covered.Contains(RunComponent))
        {
            code = ProblemCodes.SignatureComponentMissing;
            detail = $"The request carries {SignatureHeaders.Run}: the signature must cover \"{RunComponent}\" too.";
            return false;
        }

        code = string.Empty;
        detail = string.Empty;
        return true;
    }

    private static string Describe(StructuredMember item) => item.Value is string name ? $"\"{name}\"" + (item.Parameters.Count > 0 ? " with parameters" : string.Empty) : "a component that is not a string";

    private static bool TryReadParameters(IReadOnlyList<KeyValuePair<string, object>> parameters, out Parameters read, out string code, out string detail)
    {
        read = default;
        code = ProblemCodes.MalformedHeader;
        long? created = null, expires = null;
        string? nonce = null, keyId = null, algorithm = null;
        foreach (var (key, value) in parameters)
        {
            switch (key, value)
            {
                case ("created", long seconds) when seconds >= 0:
                    created = seconds;
                    break;
                case ("expires", long seconds) when seconds >= 0:
                    expires = seconds;
                    break;
                case ("nonce", string text):
                    nonce = text;
                    break;
                case ("keyid", string text):
                    keyId = text;
                    break;
                case ("alg", string text):
                    algorithm = text;
                    break;
                default:
                    detail = $"The signature parameter '{key}' is unknown or of the wrong type; this profile takes created and expires (integers), nonce, keyid and alg (strings).";
                    return false;
            }
        }

        if (created is null || nonce is null || keyId is null || algorithm is null)
        {
            detail = "The signature must carry the parameters created, nonce, keyid and alg.";
            return false;
        }

        if (!SignedRequestHeaders.IsNonce(nonce))
        {
            detail = $"The signature's nonce must be {SignedRequestHeaders.MinNonceLength} to {SignedRequestHeaders.MaxNonceLength} characters of [A-Za-z0-9_-].";
            return false;
        }

        if (keyId.Length is 0 or > MaxKeyIdLength)
        {
            detail = $"The signature's keyid must be 1 to {MaxKeyIdLength} characters.";
            return false;
        }

        read = new Parameters(created.Value, expires, nonce, keyId, algorithm);
        code = string.Empty;
        detail = string.Empty;
        return true;
    }

    private readonly record struct Parameters(long Created, long? Expires, string Nonce, string KeyId, string Algorithm);
}
