using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gamut.Agent.Tests.Infrastructure;
using NSec.Cryptography;

namespace Gamut.Agent.Tests;

/// <summary>
/// Key-pair signing (RFC 9421): the shared vectors (tests/vectors/agent-protocol.json, <c>message_signatures</c>), which
/// the gateway and the Node and Python SDKs are tested against too, and the bundle's key-agent against the REAL gateway.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class MessageSignatureTests(GatewayEnvironment env)
{
    private static readonly JsonElement AllVectors = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "tests", "vectors", "agent-protocol.json"))).RootElement.Clone();
    private static readonly JsonElement Vectors = AllVectors.GetProperty("message_signatures");
    private static readonly JsonElement RunVectors = AllVectors.GetProperty("run_signing").GetProperty("message_signatures");

    /// <summary>The requests of <c>message_signatures</c> and of <c>run_signing.message_signatures</c> (signed with the same keys).</summary>
    private static IEnumerable<JsonElement> AllRequests => Vectors.GetProperty("requests").EnumerateArray().Concat(RunVectors.GetProperty("requests").EnumerateArray());

    public static TheoryData<string> Requests() => [.. AllRequests.Select(v => v.GetProperty("name").GetString()!)];

    public static TheoryData<string> KeyNames() => ["ed25519-demo", "p256-demo"];

    [Theory]
    [MemberData(nameof(Requests))]
    public void SignatureBase_SharedVector_IsBuiltAndSigned(string name)
    {
        var v = AllRequests.Single(r => Text(r, "name") == name);
        var keyVector = Key(Text(v, "key"));
        using var key = AgentKeyPair.Parse(Text(keyVector, "private_key_pem"));
        var body = Encoding.UTF8.GetBytes(Text(v, "body"));

        Assert.Equal(Text(keyVector, "alg"), key.Algorithm);
        Assert.Equal(Text(v, "content_digest"), MessageSignature.ContentDigest(body, sha512: v.TryGetProperty("digest_algorithms", out var digests) && digests.GetArrayLength() == 2));
        var person = v.TryGetProperty("person", out var token) ? token.GetString() : null;
        var run = v.TryGetProperty("run", out var runId) ? runId.GetString() : null;
        var parameters = MessageSignature.SignatureParameters(v.GetProperty("created").GetInt64(), Text(v, "nonce"), Text(keyVector, "key_id"), key.Algorithm, person is not null, run is not null);
        Assert.Equal(Text(v, "signature_input"), "sig1=" + parameters);
        var signatureBase = MessageSignature.SignatureBase(Text(v, "method"), Text(v, "target_uri"), Text(v, "content_digest"), Text(v, "tenant"), Text(v, "workspace"), Text(v, "agent"), parameters, person, run);
        Assert.Equal(Text(v, "signature_base"), signatureBase);
        var data = Encoding.UTF8.GetBytes(signatureBase);
        var signature = key.Sign(data);
        if (v.GetProperty("deterministic").GetBoolean())
        {
            Assert.Equal(Text(v, "signature"), "sig1=:" + Convert.ToBase64String(signature) + ":");
        }

        var published = Convert.FromBase64String(Text(v, "signature")["sig1=:".Length..^1]);
        Assert.True(Verifies(keyVector, data, signature));
        Assert.True(Verifies(keyVector, data, published));
        Assert.False(Verifies(keyVector, [.. data, (byte)' '], signature));
    }

    [Fact]
    public void SignatureBase_PersonVectorOverAnotherPersonsToken_DoesNotVerify()
    {
        var v = Vectors.GetProperty("requests").EnumerateArray().First(r => r.TryGetProperty("person", out _));
        var person = Text(v, "person");
        var swapped = person[..^1] + (person[^1] == 'A' ? 'B' : 'A');
        var parameters = Text(v, "signature_input")["sig1=".Length..];

        var signatureBase = MessageSignature.SignatureBase(Text(v, "method"), Text(v, "target_uri"), Text(v, "content_digest"), Text(v, "tenant"), Text(v, "workspace"), Text(v, "agent"), parameters, swapped);

        Assert.False(Verifies(Key(Text(v, "key")), Encoding.UTF8.GetBytes(signatureBase), Convert.FromBase64String(Text(v, "signature")["sig1=:".Length..^1])));
    }

    [Fact]
    public void SignatureBase_RunVectorOverAnotherRunOrNone_DoesNotVerify()
    {
        var v = RunVectors.GetProperty("requests")[0];
        var parameters = Text(v, "signature_input")["sig1=".Length..];
        bool VerifiesOver(string? run) => Verifies(Key(Text(v, "key")),
            Encoding.UTF8.GetBytes(MessageSignature.SignatureBase(Text(v, "method"), Text(v, "target_uri"), Text(v, "content_digest"), Text(v, "tenant"), Text(v, "workspace"), Text(v, "agent"), parameters, null, run)),
            Convert.FromBase64String(Text(v, "signature")["sig1=:".Length..^1]));

        Assert.Equal([.. MessageSignature.Components, MessageSignature.RunComponent], RunVectors.GetProperty("components").EnumerateArray().Select(c => c.GetString()));
        Assert.True(VerifiesOver(Text(v, "run")));
        Assert.False(VerifiesOver("run-" + new string('0', 32)));
        Assert.False(VerifiesOver(null));
    }

    [Fact]
    public void Apply_KeyPairForAPersonInARun_CoversThePersonThenTheRun()
    {
        var keyVector = Key("ed25519-demo");
        using var key = AgentKeyPair.Parse(Text(keyVector, "private_key_pem"));
        var options = new GamutOptions { BaseUrl = "https://gw.example", Tenant = "demo", Workspace = "ws-demo", AgentId = "key-agent" };
        var run = Text(RunVectors.GetProperty("requests")[0], "run");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://gw.example/v1/evaluate");
        request.Headers.TryAddWithoutValidation(AgentSignature.PersonHeader, "a.b.c");
        request.Headers.TryAddWithoutValidation(AgentSignature.RunHeader, run);

        MessageSignature.Apply(request, options, key, "demo-ed25519-2026", "{}"u8);

        var input = request.Headers.GetValues("Signature-Input").Single()["sig1=".Length..];
        Assert.Contains("\"x-gamut-agent\" \"x-gamut-person\" \"x-gamut-run\");", input, StringComparison.Ordinal);
        var signatureBase = MessageSignature.SignatureBase("POST", "https://gw.example/v1/evaluate", request.Headers.GetValues("Content-Digest").Single(), "demo", "ws-demo", "key-agent", input, "a.b.c", run);
        Assert.EndsWith($"\"x-gamut-person\": a.b.c\n\"x-gamut-run\": {run}\n\"@signature-params\": {input}", signatureBase, StringComparison.Ordinal);
        Assert.True(Verifies(keyVector, Encoding.UTF8.GetBytes(signatureBase), Convert.FromBase64String(request.Headers.GetValues("Signature").Single()["sig1=:".Length..^1])));
    }

    [Fact]
    public void Apply_KeyPairWithAPersonHeader_CoversIt()
    {
        using var key = AgentKeyPair.Parse(Text(Key("ed25519-demo"), "private_key_pem"));
        var options = new GamutOptions { BaseUrl = "https://gw.example", Tenant = "demo", Workspace = "ws-demo", AgentId = "key-agent" };
        using var withPerson = new HttpRequestMessage(HttpMethod.Post, "https://gw.example/v1/evaluate");
        withPerson.Headers.TryAddWithoutValidation(AgentSignature.PersonHeader, "a.b.c");
        using var without = new HttpRequestMessage(HttpMethod.Post, "https://gw.example/v1/evaluate");

        MessageSignature.Apply(withPerson, options, key, "demo-ed25519-2026", "{}"u8);
        MessageSignature.Apply(without, options, key, "demo-ed25519-2026", "{}"u8);

        Assert.Contains("\"x-gamut-agent\" \"x-gamut-person\");", withPerson.Headers.GetValues("Signature-Input").Single(), StringComparison.Ordinal);
        Assert.Contains("\"x-gamut-agent\");", without.Headers.GetValues("Signature-Input").Single(), StringComparison.Ordinal);
    }

    /// <summary>
    /// HttpClient sends a known method upper-cased whatever its case, but an extension method (<c>purge</c>) as given, and
    /// the gateway reads <c>@method</c> as sent: the request is sent with the method its signature covers.
    /// </summary>
    [Theory]
    [InlineData("purge")]
    [InlineData("patch")]
    public void Apply_KeyPairWithALowerCaseMethod_SendsTheMethodItSigns(string method)
    {
        var keyVector = Key("ed25519-demo");
        using var key = AgentKeyPair.Parse(Text(keyVector, "private_key_pem"));
        var options = new GamutOptions { BaseUrl = "https://gw.example", Tenant = "demo", Workspace = "ws-demo", AgentId = "key-agent" };
        using var request = new HttpRequestMessage(new HttpMethod(method), "https://gw.example/providers/openai/v1/files");

        MessageSignature.Apply(request, options, key, "demo-ed25519-2026", "{}"u8);

        var input = request.Headers.GetValues("Signature-Input").Single()["sig1=".Length..];
        var sent = MessageSignature.SignatureBase(request.Method.Method, "https://gw.example/providers/openai/v1/files", request.Headers.GetValues("Content-Digest").Single(), "demo", "ws-demo", "key-agent", input);
        Assert.Equal(method.ToUpperInvariant(), request.Method.Method);
        Assert.True(Verifies(keyVector, Encoding.UTF8.GetBytes(sent), Convert.FromBase64String(request.Headers.GetValues("Signature").Single()["sig1=:".Length..^1])));
    }

    [Fact]
    public void FromEnvironment_PrivateKeyAndKeyId_ReplaceTheSecret()
    {
        var options = GamutOptions.FromEnvironment(new Dictionary<string, string>
        {
            ["GAMUT_BASE_URL"] = "http://127.0.0.1:1", ["GAMUT_TENANT_SLUG"] = "demo", ["GAMUT_WORKSPACE_ID"] = "ws-demo", ["GAMUT_AGENT_ID"] = "key-agent",
            ["GAMUT_AGENT_PRIVATE_KEY"] = Text(Key("p256-demo"), "private_key_pem"), ["GAMUT_AGENT_KEY_ID"] = "demo-p256-2026",
        });

        options.Validate();
        Assert.DoesNotContain("PRIVATE", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SecretAndKeyTogetherOrKeyWithoutIdOrNotAKey_IsRefusedWithoutEchoingIt()
    {
        var pem = Text(Key("ed25519-demo"), "private_key_pem");
        var options = new GamutOptions { BaseUrl = "http://127.0.0.1:1", Tenant = "demo", Workspace = "ws-demo", AgentId = "key-agent" };

        Assert.Throws<GamutConfigurationException>(() => (options with { Secret = "s", PrivateKey = pem, KeyId = "k" }).Validate());
        Assert.Throws<GamutConfigurationException>(() => (options with { PrivateKey = pem }).Validate());
        var notAKey = Assert.Throws<GamutConfigurationException>(() => (options with { PrivateKey = "bm90IGEga2V5", KeyId = "k" }).Validate());
        Assert.DoesNotContain("bm90IGEga2V5", notAKey.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KeyNames))]
    public async Task EvaluateAsync_KeyAgentSigningWithEachKey_IsAnswered(string keyName)
    {
        using var gamut = new GamutClient(KeyAgent(keyName));

        var decision = await gamut.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "11" });

        Assert.Equal("allow", decision.Decision);
    }

    [Fact]
    public async Task InvokeToolAsync_KeyAgent_ReachesTheUpstream()
    {
        using var gamut = new GamutClient(KeyAgent("ed25519-demo"));

        var action = await gamut.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "42" });

        Assert.True(action.Invoked);
        Assert.Equal("Dana Example", action.Result!.Value.GetProperty("name").GetString());
    }

    /// <summary>
    /// The suite's tenant declares no OpenID provider: once the signature over <c>x-gamut-person</c> verified, the gateway
    /// refuses the token itself (<c>person_token_invalid</c>), never <c>person_token_unbound</c> or <c>signature_mismatch</c>.
    /// </summary>
    [Theory]
    [MemberData(nameof(KeyNames))]
    public async Task ForPerson_KeyAgentSigningWithEachKey_CoversTheTokenAndTheGatewayChecksTheTokenItself(string keyName)
    {
        using var gamut = new GamutClient(KeyAgent(keyName));
        using var erin = gamut.ForPerson("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl");
        var before = env.Upstream.Count("/crm/contacts/7");

        var refused = await Assert.ThrowsAsync<GamutAuthenticationException>(() => erin.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "7" }));

        Assert.Equal("person_token_invalid", refused.Code);
        Assert.Equal(before, env.Upstream.Count("/crm/contacts/7"));
    }

    [Fact]
    public async Task EvaluateAsync_KeyAgentSigningWithASecret_IsRefused()
    {
        using var gamut = new GamutClient(KeyAgent("ed25519-demo") with { PrivateKey = null, KeyId = null, Secret = "not-the-agents-secret-0123456789" });

        var refused = await Assert.ThrowsAsync<GamutAuthenticationException>(() => gamut.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "11" }));

        Assert.Equal("signature_scheme_mismatch", refused.Code);
    }

    private GamutOptions KeyAgent(string keyName) => new()
    {
        BaseUrl = env.BaseUrl, Tenant = "demo", Workspace = "ws-demo", AgentId = "key-agent",
        PrivateKey = Text(Key(keyName), "private_key_pem"), KeyId = Text(Key(keyName), "key_id"),
    };

    private static bool Verifies(JsonElement key, byte[] data, byte[] signature)
    {
        var spki = Convert.FromBase64String(Text(key, "public_key_spki"));
        if (Text(key, "alg") == "ed25519")
        {
            var publicKey = NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, spki, KeyBlobFormat.PkixPublicKey);
            return SignatureAlgorithm.Ed25519.Verify(publicKey, data, signature);
        }

        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
        return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private static JsonElement Key(string name) => Vectors.GetProperty("keys").EnumerateArray().Single(k => Text(k, "name") == name);

    private static string Text(JsonElement element, string member) => element.GetProperty(member).GetString()!;
}
