using System.Text;
using System.Text.Json;
using Gamut.Agent.Tests.Infrastructure;

namespace Gamut.Agent.Tests;

/// <summary>The shared cross-language vectors (tests/vectors/agent-protocol.json), as the gateway and the Node and Python SDKs use them.</summary>
public sealed class SharedVectorTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "tests", "vectors", "agent-protocol.json"))).RootElement.Clone();

    public static TheoryData<string> Names(string group)
    {
        var data = new TheoryData<string>();
        foreach (var vector in Vectors.GetProperty(group).EnumerateArray())
        {
            data.Add(vector.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names), "signing")]
    public void AgentSignature_MatchesSharedVector(string name)
    {
        var v = Find("signing", name);
        var body = Encoding.UTF8.GetBytes(Text(v, "body"));
        Assert.Equal(Text(v, "body_sha256"), AgentSignature.BodySha256(body));
        var canonical = AgentSignature.CanonicalString(Text(v, "method"), Text(v, "target"), Text(v, "tenant"), Text(v, "workspace"), Text(v, "agent"), Text(v, "timestamp"), Text(v, "nonce"), body);
        Assert.Equal(Text(v, "canonical"), canonical);
        Assert.Equal(Text(v, "signature"), AgentSignature.Sign(Text(v, "secret"), canonical));
    }

    [Theory]
    [MemberData(nameof(Names), "person_signing")]
    public void AgentSignature_WithPersonToken_MatchesSharedVector(string name)
    {
        var v = Find("person_signing", name);
        var body = Encoding.UTF8.GetBytes(Text(v, "body"));
        var canonical = AgentSignature.CanonicalString(Text(v, "method"), Text(v, "target"), Text(v, "tenant"), Text(v, "workspace"), Text(v, "agent"), Text(v, "timestamp"), Text(v, "nonce"), body, Text(v, "person"));
        Assert.Equal(Text(v, "canonical"), canonical);
        Assert.Equal(Text(v, "signature"), AgentSignature.Sign(Text(v, "secret"), canonical));
        var nine = AgentSignature.CanonicalString(Text(v, "method"), Text(v, "target"), Text(v, "tenant"), Text(v, "workspace"), Text(v, "agent"), Text(v, "timestamp"), Text(v, "nonce"), body);
        Assert.Equal(Text(v, "signature_without_person"), AgentSignature.Sign(Text(v, "secret"), nine));
    }

    public static TheoryData<string> RunNames() => [.. RunVectors().Select(v => v.GetProperty("name").GetString()!)];

    [Theory]
    [MemberData(nameof(RunNames))]
    public void AgentSignature_InRun_MatchesSharedVector(string name)
    {
        var v = RunVectors().Single(r => Text(r, "name") == name);
        var body = Encoding.UTF8.GetBytes(Text(v, "body"));
        var person = v.TryGetProperty("person", out var token) ? token.GetString() : null;
        string Canonical(string? run) =>
            AgentSignature.CanonicalString(Text(v, "method"), Text(v, "target"), Text(v, "tenant"), Text(v, "workspace"), Text(v, "agent"), Text(v, "timestamp"), Text(v, "nonce"), body, person, run);

        Assert.Equal(Text(v, "canonical"), Canonical(Text(v, "run")));
        Assert.Equal(Text(v, "signature"), AgentSignature.Sign(Text(v, "secret"), Canonical(Text(v, "run"))));
        Assert.Equal(Text(v, "signature_without_run"), AgentSignature.Sign(Text(v, "secret"), Canonical(null)));
    }

    [Fact]
    public void Apply_RequestInARun_SendsTheRunAndSignsItsLineLast()
    {
        var v = RunVectors().First(r => r.TryGetProperty("person", out _));
        var options = new GamutOptions { BaseUrl = "https://gw.example", Tenant = Text(v, "tenant"), Workspace = Text(v, "workspace"), AgentId = Text(v, "agent"), Secret = Text(v, "secret") };
        var body = Encoding.UTF8.GetBytes(Text(v, "body"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://gw.example" + Text(v, "target"));
        request.Headers.TryAddWithoutValidation(AgentSignature.PersonHeader, Text(v, "person"));
        request.Headers.TryAddWithoutValidation(AgentSignature.RunHeader, Text(v, "run"));

        AgentSignature.Apply(request, options, body);

        string Header(string header) => request.Headers.GetValues(header).Single();
        var canonical = AgentSignature.CanonicalString("POST", Text(v, "target"), Text(v, "tenant"), Text(v, "workspace"), Text(v, "agent"), Header("X-Gamut-Timestamp"), Header("X-Gamut-Nonce"), body, Text(v, "person"), Text(v, "run"));
        Assert.EndsWith("\n" + Text(v, "run"), canonical, StringComparison.Ordinal);
        Assert.Equal(AgentSignature.Sign(Text(v, "secret"), canonical), Header("X-Gamut-Signature"));
    }

    [Theory]
    [MemberData(nameof(Names), "refuse")]
    public void SecretMaterial_ReportsSharedFindings(string name)
    {
        var v = Find("refuse", name);
        var expected = v.GetProperty("findings").EnumerateArray().Select(f => new SecretFinding(Text(f, "path"), Text(f, "kind"))).ToList();
        Assert.Equal(expected, SecretMaterial.Find(v.GetProperty("payload")));
    }

    [Theory]
    [MemberData(nameof(Names), "accept")]
    public void SecretMaterial_AcceptsSharedCleanPayload(string name) =>
        Assert.Empty(SecretMaterial.Find(Find("accept", name).GetProperty("payload")));

    private static IEnumerable<JsonElement> RunVectors() => Vectors.GetProperty("run_signing").GetProperty("v1").EnumerateArray();

    private static string Text(JsonElement element, string member) => element.GetProperty(member).GetString()!;

    private static JsonElement Find(string group, string name) =>
        Vectors.GetProperty(group).EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);
}
