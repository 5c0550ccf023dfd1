using System.Text;
using System.Text.Json;
using Gateway.Connectors.Detection;
using Gateway.Connectors.Signing;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// The gateway against tests/vectors/agent-protocol.json, the one file the .NET, Node and Python SDKs are
/// tested against too: canonical strings and signatures (<see cref="CanonicalRequest"/>), and the payloads
/// the secret-material detector refuses or accepts (<see cref="SecretMaterialDetector"/>).
/// </summary>
public sealed class SharedVectorTests
{
    private static readonly JsonElement Vectors = Load();

    public static TheoryData<string> SigningCases() => Names("signing");

    public static TheoryData<string> PersonSigningCases() => Names("person_signing");

    public static TheoryData<string> RunSigningCases()
    {
        var data = new TheoryData<string>();
        foreach (var vector in Vectors.GetProperty("run_signing").GetProperty("v1").EnumerateArray())
        {
            data.Add(vector.GetProperty("name").GetString()!);
        }

        return data;
    }

    public static TheoryData<string> RefuseCases() => Names("refuse");

    public static TheoryData<string> AcceptCases() => Names("accept");

    [Theory]
    [MemberData(nameof(SigningCases))]
    public void CanonicalRequest_MatchesSharedVector(string name)
    {
        var vector = Find("signing", name);
        var body = Encoding.UTF8.GetBytes(vector.GetProperty("body").GetString()!);
        var bodyHash = CanonicalRequest.HashBody(body);
        Assert.Equal(vector.GetProperty("body_sha256").GetString(), bodyHash);

        var canonical = CanonicalRequest.Build(
            Text(vector, "method"), Text(vector, "target"), Text(vector, "tenant"), Text(vector, "workspace"),
            Text(vector, "agent"), Text(vector, "timestamp"), Text(vector, "nonce"), bodyHash);
        Assert.Equal(Text(vector, "canonical"), canonical);

        var key = new HmacKey(Encoding.UTF8.GetBytes(Text(vector, "secret")));
        Assert.Equal(Text(vector, "signature"), CanonicalRequest.Sign(key, canonical));
        Assert.True(CanonicalRequest.Verify(key, canonical, Text(vector, "signature")));
    }

    [Theory]
    [MemberData(nameof(SigningCases))]
    public void CanonicalRequest_RejectsAlteredSharedSignature(string name)
    {
        var vector = Find("signing", name);
        var key = new HmacKey(Encoding.UTF8.GetBytes(Text(vector, "secret")));
        var signature = Text(vector, "signature");
        Assert.False(CanonicalRequest.Verify(key, Text(vector, "canonical"), signature.ToUpperInvariant().Replace("V1=", "v1=", StringComparison.Ordinal)));
        Assert.False(CanonicalRequest.Verify(key, Text(vector, "canonical") + "\n", signature));
    }

    [Theory]
    [MemberData(nameof(PersonSigningCases))]
    public void CanonicalRequest_WithPersonToken_MatchesSharedVectorAndDiffersFromTheNineLines(string name)
    {
        var vector = Find("person_signing", name);
        var bodyHash = CanonicalRequest.HashBody(Encoding.UTF8.GetBytes(Text(vector, "body")));
        var personHash = CanonicalRequest.HashPersonToken(Text(vector, "person"));
        Assert.Equal(Text(vector, "person_sha256"), personHash);

        var canonical = CanonicalRequest.Build(
            Text(vector, "method"), Text(vector, "target"), Text(vector, "tenant"), Text(vector, "workspace"),
            Text(vector, "agent"), Text(vector, "timestamp"), Text(vector, "nonce"), bodyHash, personHash);
        var nine = CanonicalRequest.Build(
            Text(vector, "method"), Text(vector, "target"), Text(vector, "tenant"), Text(vector, "workspace"),
            Text(vector, "agent"), Text(vector, "timestamp"), Text(vector, "nonce"), bodyHash);

        var key = new HmacKey(Encoding.UTF8.GetBytes(Text(vector, "secret")));
        Assert.Equal(Text(vector, "canonical"), canonical);
        Assert.Equal(nine + "\n" + personHash, canonical);
        Assert.Equal(Text(vector, "signature"), CanonicalRequest.Sign(key, canonical));
        Assert.Equal(Text(vector, "signature_without_person"), CanonicalRequest.Sign(key, nine));
        Assert.False(CanonicalRequest.Verify(key, nine, Text(vector, "signature")));
    }

    [Theory]
    [MemberData(nameof(RunSigningCases))]
    public void CanonicalRequest_WithRun_MatchesSharedVectorWithTheRunLineLast(string name)
    {
        var vector = Vectors.GetProperty("run_signing").GetProperty("v1").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);
        var bodyHash = CanonicalRequest.HashBody(Encoding.UTF8.GetBytes(Text(vector, "body")));
        Assert.Equal(Text(vector, "body_sha256"), bodyHash);
        var personHash = vector.TryGetProperty("person", out var person) ? CanonicalRequest.HashPersonToken(person.GetString()!) : null;
        string Build(string? run) => CanonicalRequest.Build(
            Text(vector, "method"), Text(vector, "target"), Text(vector, "tenant"), Text(vector, "workspace"),
            Text(vector, "agent"), Text(vector, "timestamp"), Text(vector, "nonce"), bodyHash, personHash, run);

        var canonical = Build(Text(vector, "run"));
        var withoutRun = Build(null);

        var key = new HmacKey(Encoding.UTF8.GetBytes(Text(vector, "secret")));
        Assert.Equal(Text(vector, "canonical"), canonical);
        Assert.Equal(withoutRun + "\n" + Text(vector, "run"), canonical);
        Assert.Equal(personHash is null ? 10 : 11, canonical.Split('\n').Length);
        Assert.Equal(Text(vector, "signature"), CanonicalRequest.Sign(key, canonical));
        Assert.Equal(Text(vector, "signature_without_run"), CanonicalRequest.Sign(key, withoutRun));
        Assert.False(CanonicalRequest.Verify(key, withoutRun, Text(vector, "signature")));
    }

    [Theory]
    [MemberData(nameof(RefuseCases))]
    public void SecretMaterialDetector_ReportsSharedFindings(string name)
    {
        var vector = Find("refuse", name);
        var payload = Encoding.UTF8.GetBytes(vector.GetProperty("payload").GetRawText());
        var expected = vector.GetProperty("findings").EnumerateArray()
            .Select(f => (Text(f, "path"), Text(f, "kind")))
            .ToList();

        var actual = SecretMaterialDetector.Scan(payload).Select(f => (f.Path, f.KindName)).ToList();

        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(AcceptCases))]
    public void SecretMaterialDetector_AcceptsSharedCleanPayload(string name)
    {
        var payload = Encoding.UTF8.GetBytes(Find("accept", name).GetProperty("payload").GetRawText());

        Assert.Empty(SecretMaterialDetector.Scan(payload));
    }

    /// <summary>
    /// The SDKs keep copies of the detector's member lists (they cannot reference the gateway), so the vectors name
    /// every member the detector knows: a name added to the gateway without a vector fails here, and with one, the SDKs'
    /// vector suites fail until their copies have it too.
    /// </summary>
    [Theory]
    [InlineData("CredentialMembers", "credential_member")]
    [InlineData("ProviderMembers", "provider_configuration")]
    public void RefuseVectors_NameEveryMemberTheDetectorKnows(string list, string kind)
    {
        var known = (IEnumerable<string>)typeof(SecretMaterialDetector)
            .GetField(list, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;
        var inVectors = Vectors.GetProperty("refuse").EnumerateArray()
            .SelectMany(static v => v.GetProperty("findings").EnumerateArray())
            .Where(f => Text(f, "kind") == kind)
            .Select(static f => Text(f, "path").Split('.', '[')[^1].Trim('\'', ']').Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(known.Where(name => !inVectors.Contains(name)).Order(StringComparer.Ordinal));
    }

    private static string Text(JsonElement element, string member) => element.GetProperty(member).GetString()!;

    private static JsonElement Find(string group, string name) =>
        Vectors.GetProperty(group).EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);

    private static TheoryData<string> Names(string group)
    {
        var data = new TheoryData<string>();
        foreach (var vector in Vectors.GetProperty(group).EnumerateArray())
        {
            data.Add(vector.GetProperty("name").GetString()!);
        }

        return data;
    }

    private static JsonElement Load()
    {
        var path = Path.Combine(RepositoryRoot.Path, "tests", "vectors", "agent-protocol.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.Clone();
    }
}
