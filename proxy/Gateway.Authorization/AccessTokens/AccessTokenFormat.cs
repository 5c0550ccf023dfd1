using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Policy;
using Gateway.Policy.Tokens;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// The access token: a JWT (RFC 9068 profile, <c>typ</c> <c>at+jwt</c>) signed HS256 with
/// <see cref="AccessTokenSigningKey"/>. Claims: <c>iss</c> the gateway, <c>aud</c> the one resource it was asked for,
/// <c>sub</c> the agent, <c>client_id</c>, <c>tenant</c>, <c>workspace</c>, <c>jti</c>, <c>iat</c>, <c>exp</c>, and
/// <c>cnf.jkt</c> when it is bound to a DPoP key; for a token of the authorization-code grant, <c>person</c> (an object:
/// <c>sub</c>, <c>iss</c>, <c>groups</c>, <c>client_id</c> the interactive client, <c>fam</c> the token family) and
/// <c>client_id</c> the interactive client's, and <c>scope</c> (RFC 9068 §2.2.3, space-separated) when the person consented
/// to declared scopes. Reading checks all of them; the token itself is never logged.
/// </summary>
public sealed class AccessTokenFormat
{
    private const int MaxLength = 4096;
    private static readonly byte[] Header = """{"alg":"HS256","typ":"at+jwt"}"""u8.ToArray();

    private readonly AccessTokenSigningKey _key;

    public AccessTokenFormat(AccessTokenSigningKey key) => _key = key;

    /// <summary>
    /// Issues a token for <paramref name="subject"/> to use at <paramref name="audience"/>; <paramref name="secretFingerprint"/>
    /// (<c>sfp</c>) names the agent secret that obtained it, so that retiring that secret ends the token too.
    /// </summary>
    public string Issue(string issuer, string audience, AuthenticatedCaller subject, string? thumbprint, string? secretFingerprint, DateTimeOffset now, TimeSpan lifetime, TokenPerson? person = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("iss", issuer);
            json.WriteString("aud", audience);
            json.WriteString("sub", subject.Agent);
            json.WriteString("client_id", person?.ClientId ?? OAuthClientId.Of(subject));
            json.WriteString("tenant", subject.Tenant);
            json.WriteString("workspace", subject.Workspace);
            json.WriteString("jti", Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)));
            json.WriteNumber("iat", now.ToUnixTimeSeconds());
            json.WriteNumber("exp", (now + lifetime).ToUnixTimeSeconds());
            if (secretFingerprint is not null)
            {
                json.WriteString("sfp", secretFingerprint);
            }

            if (person is not null)
            {
                json.WriteStartObject("person");
                json.WriteString("sub", person.Subject);
                json.WriteString("iss", person.Issuer);
                json.WriteStartArray("groups");
                foreach (var group in person.Groups)
                {
                    json.WriteStringValue(group);
                }

                json.WriteEndArray();
                json.WriteString("client_id", person.ClientId);
                json.WriteString("fam", person.Family);
                if (person.RegisterId is { } registerId)
                {
                    json.WriteString("rid", registerId);
                }

                json.WriteEndObject();
                if (person.Scopes.Count > 0)
                {
                    json.WriteString("scope", string.Join(' ', person.Scopes));
                }
            }

            if (thumbprint is not null)
            {
                json.WriteStartObject("cnf");
                json.WriteString("jkt", thumbprint);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return CompactJws.SignHs256(_key.Key, Header, buffer.WrittenSpan);
    }

    /// <summary>Reads a presented token: its subject and key binding, or why it is refused (<see cref="AccessTokenRead.Problem"/>).</summary>
    public AccessTokenRead Read(string token, string issuer, string audience, DateTimeOffset now)
    {
        if (!CompactJws.TryParse(token, MaxLength, out var jws) || jws is null
            || jws.HeaderString("typ") != "at+jwt" || !jws.VerifyHs256(_key.Key))
        {
            return AccessTokenRead.Refused(false, "The access token is not one this gateway issued.");
        }

        if (jws.ClaimString("iss") != issuer || !jws.HasAudience(audience))
        {
            return AccessTokenRead.Refused(false, "The access token was issued for another issuer or resource.");
        }

        var seconds = now.ToUnixTimeSeconds();
        if (jws.ClaimSeconds("exp") is not { } exp || jws.ClaimSeconds("iat") is not { } iat || iat > seconds + 60)
        {
            return AccessTokenRead.Refused(false, "The access token's times are missing or in the future.");
        }

        if (exp <= seconds)
        {
            return AccessTokenRead.Refused(true, "The access token has expired; request a new one.");
        }

        var subject = new AuthenticatedCaller(jws.ClaimString("tenant") ?? string.Empty, jws.ClaimString("workspace") ?? string.Empty, jws.ClaimString("sub") ?? string.Empty);
        if (!OAuthClientId.TryParse(OAuthClientId.Of(subject), out _))
        {
            return AccessTokenRead.Refused(false, "The access token does not name a valid agent.");
        }

        string? thumbprint = null;
        if (jws.Payload.TryGetProperty("cnf", out var cnf))
        {
            thumbprint = cnf.ValueKind == JsonValueKind.Object && cnf.TryGetProperty("jkt", out var jkt) && jkt.ValueKind == JsonValueKind.String ? jkt.GetString() : null;
            if (string.IsNullOrEmpty(thumbprint))
            {
                return AccessTokenRead.Refused(false, "The access token's key binding is malformed.");
            }
        }

        TokenPerson? person = null;
        if (jws.Payload.TryGetProperty("person", out var personClaim))
        {
            person = ReadPerson(personClaim);
            if (person is null)
            {
                return AccessTokenRead.Refused(false, "The access token's person is malformed.");
            }

            if (jws.ClaimString("scope") is { } scope)
            {
                person = person with { Scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries) };
            }
        }

        return new AccessTokenRead(subject, thumbprint, false, null) { SecretFingerprint = jws.ClaimString("sfp"), Person = person };
    }

    private static TokenPerson? ReadPerson(JsonElement claim)
    {
        if (claim.ValueKind != JsonValueKind.Object || Text(claim, "sub") is not { } sub || Text(claim, "iss") is not { } iss
            || Text(claim, "client_id") is not { } clientId || Text(claim, "fam") is not { } family
            || !claim.TryGetProperty("groups", out var groups) || groups.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var list = new List<string>();
        foreach (var group in groups.EnumerateArray())
        {
            if (group.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            list.Add(group.GetString()!);
        }

        return new TokenPerson(sub, iss, list, clientId, family) { RegisterId = Text(claim, "rid") };
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
