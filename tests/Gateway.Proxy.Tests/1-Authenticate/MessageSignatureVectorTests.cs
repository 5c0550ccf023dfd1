using System.Text;
using System.Text.Json;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Security;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// The gateway's RFC 9421 verifier against the shared vectors (tests/vectors/agent-protocol.json,
/// <c>message_signatures</c>), which the .NET, Node and Python SDKs sign too: each vector's headers parse, its
/// Content-Digest matches its body, the gateway builds the vector's signature base (with the person's token where the
/// vector acts for a person), and the vector's signature verifies under the vector's public key (and fails once a byte of
/// the base changes, or the person's token is another).
/// </summary>
public sealed class MessageSignatureVectorTests
{
    public static TheoryData<string> Requests() => NamesOf(VectorKeyPair.Vectors);

    public static TheoryData<string> RunRequests() => NamesOf(RunVectors);

    [Theory]
    [MemberData(nameof(Requests))]
    public void Verify_SharedVector_BuildsItsBaseAndAcceptsItsSignature(string name)
    {
        var vector = Find(name);
        var body = Encoding.UTF8.GetBytes(Text(vector, "body"));

        Assert.True(MessageSignature.TryParse(Headers(vector), out var parsed, out var code, out var detail), code + ": " + detail);
        Assert.True(ContentDigest.Matches(parsed!.ContentDigest, body, out code, out detail), code + ": " + detail);
        var person = vector.TryGetProperty("person", out var token) ? token.GetString() : null;
        Assert.Equal(person is not null, parsed.CoversPerson);
        Assert.Equal(vector.GetProperty("components").EnumerateArray().Select(c => c.GetString()), parsed.Components);
        var signatureBase = MessageSignatureBase.Build(parsed, Text(vector, "method"), Text(vector, "target_uri"), person);
        Assert.Equal(Text(vector, "signature_base"), Encoding.UTF8.GetString(signatureBase));

        var key = Key(vector);
        Assert.Equal(key.KeyId, parsed.KeyId);
        Assert.Equal(key.AlgorithmName, parsed.Algorithm);
        Assert.Equal(vector.GetProperty("created").GetInt64(), parsed.Created);
        Assert.True(key.Verify(signatureBase, parsed.Signature));
        signatureBase[^2] ^= 1;
        Assert.False(key.Verify(signatureBase, parsed.Signature));
    }

    [Theory]
    [MemberData(nameof(RunRequests))]
    public void Verify_SharedRunVector_CoversTheRunAndAcceptsItsSignature(string name)
    {
        var vector = FindRun(name);
        var headers = Headers(vector);
        headers["X-Gamut-Run"] = Text(vector, "run");

        Assert.True(MessageSignature.TryParse(headers, out var parsed, out var code, out var detail), code + ": " + detail);
        Assert.Equal(Text(vector, "run"), parsed!.Run);
        Assert.Equal(RunVectors.GetProperty("components").EnumerateArray().Select(c => c.GetString()), parsed.Components);
        var signatureBase = MessageSignatureBase.Build(parsed, Text(vector, "method"), Text(vector, "target_uri"));
        Assert.Equal(Text(vector, "signature_base"), Encoding.UTF8.GetString(signatureBase));
        Assert.True(Key(vector).Verify(signatureBase, parsed.Signature));

        // Another run in the header: the base changes with it, and the signature no longer verifies.
        headers["X-Gamut-Run"] = "run-" + new string('0', 32);
        Assert.True(MessageSignature.TryParse(headers, out var other, out _, out _));
        Assert.False(Key(vector).Verify(MessageSignatureBase.Build(other!, Text(vector, "method"), Text(vector, "target_uri")), other!.Signature));
    }

    [Theory]
    [MemberData(nameof(RunRequests))]
    public void TryParse_RunVectorWithoutItsRunHeader_IsRefused(string name)
    {
        Assert.False(MessageSignature.TryParse(Headers(FindRun(name)), out _, out var code, out _));
        Assert.Equal("signature_component_unsupported", code);
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public void TryParse_RunHeaderTheSignatureDoesNotCover_IsRefused(string name)
    {
        var headers = Headers(Find(name));
        headers["X-Gamut-Run"] = "run-0f1e2d3c4b5a69788796a5b4c3d2e1f0";

        Assert.False(MessageSignature.TryParse(headers, out _, out var code, out _));
        Assert.Equal("signature_component_missing", code);
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public void ContentDigest_SharedVectorOverAnotherBody_DoesNotMatch(string name)
    {
        var vector = Find(name);

        Assert.False(ContentDigest.Matches(Text(vector, "content_digest"), Encoding.UTF8.GetBytes(Text(vector, "body") + " "), out var code, out _));
        Assert.Equal("content_digest_mismatch", code);
    }

    [Fact]
    public void Verify_PersonVectorWithAnotherPersonsToken_DoesNotVerify()
    {
        var vector = VectorKeyPair.Vectors.GetProperty("requests").EnumerateArray().First(v => v.TryGetProperty("person", out _));
        Assert.True(MessageSignature.TryParse(Headers(vector), out var parsed, out _, out _));
        var person = Text(vector, "person");
        var swapped = person[..^1] + (person[^1] == 'A' ? 'B' : 'A');

        var signatureBase = MessageSignatureBase.Build(parsed!, Text(vector, "method"), Text(vector, "target_uri"), swapped);

        Assert.False(Key(vector).Verify(signatureBase, parsed!.Signature));
    }

    [Fact]
    public void Parse_PersonVectorWithoutItsPersonHeader_IsMissingHeader()
    {
        var vector = VectorKeyPair.Vectors.GetProperty("requests").EnumerateArray().First(v => v.TryGetProperty("person", out _));
        var headers = Headers(vector);
        headers.Remove("X-Gamut-Person");

        Assert.False(MessageSignature.TryParse(headers, out _, out var code, out var detail));

        Assert.Equal("missing_header", code);
        Assert.Contains("x-gamut-person", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DeterministicVectors_AreSignedExactlyByTheTestSigner()
    {
        foreach (var vector in VectorKeyPair.Vectors.GetProperty("requests").EnumerateArray().Where(v => v.GetProperty("deterministic").GetBoolean()))
        {
            var signature = VectorKeyPair.Ed25519.Sign(Encoding.UTF8.GetBytes(Text(vector, "signature_base")));
            Assert.Equal(Text(vector, "signature"), "sig1=:" + Convert.ToBase64String(signature) + ":");
        }
    }

    private static HeaderDictionary Headers(JsonElement vector)
    {
        var headers = new HeaderDictionary
        {
            ["X-Gamut-Tenant"] = Text(vector, "tenant"),
            ["X-Gamut-Workspace"] = Text(vector, "workspace"),
            ["X-Gamut-Agent"] = Text(vector, "agent"),
            ["Content-Digest"] = Text(vector, "content_digest"),
            ["Signature-Input"] = Text(vector, "signature_input"),
            ["Signature"] = Text(vector, "signature"),
        };
        if (vector.TryGetProperty("person", out var person))
        {
            headers["X-Gamut-Person"] = person.GetString();
        }

        return headers;
    }

    private static AgentKey Key(JsonElement vector)
    {
        var pair = Text(vector, "key") == VectorKeyPair.Ed25519.Name ? VectorKeyPair.Ed25519 : VectorKeyPair.P256;
        Assert.True(WireNames.TryParse<PublicKeyAlgorithm>(pair.Algorithm, out var algorithm));
        return new AgentKey(new AgentPublicKey(algorithm, pair.KeyId, Convert.FromBase64String(pair.PublicKeySpki)));
    }

    private static TheoryData<string> NamesOf(JsonElement group)
    {
        var data = new TheoryData<string>();
        foreach (var vector in group.GetProperty("requests").EnumerateArray())
        {
            data.Add(vector.GetProperty("name").GetString()!);
        }

        return data;
    }

    private static JsonElement RunVectors => VectorKeyPair.RunSigningVectors.GetProperty("message_signatures");

    private static JsonElement FindRun(string name) =>
        RunVectors.GetProperty("requests").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);

    private static JsonElement Find(string name) =>
        VectorKeyPair.Vectors.GetProperty("requests").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);

    private static string Text(JsonElement element, string member) => element.GetProperty(member).GetString()!;
}
