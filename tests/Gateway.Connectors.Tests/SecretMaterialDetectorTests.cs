using System.Text;
using Gateway.Connectors.Detection;

namespace Gateway.Connectors.Tests;

public sealed class SecretMaterialDetectorTests
{
    private static IReadOnlyList<SecretFinding> Scan(string json) => SecretMaterialDetector.Scan(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("api_key")]
    [InlineData("apiKey")]
    [InlineData("api-key")]
    [InlineData("X-API-KEY")]
    [InlineData("authorization")]
    [InlineData("access_token")]
    [InlineData("client_secret")]
    [InlineData("password")]
    public void Scan_CredentialMember_Found(string member)
    {
        var findings = Scan("{\"tool\":\"x\",\"args\":{\"" + member + "\":\"whatever-value\"}}");
        var finding = Assert.Single(findings);
        Assert.Equal(SecretKind.CredentialMember, finding.Kind);
        Assert.Contains(member, finding.Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("base_url")]
    [InlineData("baseURL")]
    [InlineData("api_base")]
    public void Scan_ProviderConfiguration_Found(string member)
    {
        var finding = Assert.Single(Scan("{\"request\":{\"" + member + "\":\"https://api.example.com/v1\",\"model\":\"m\"}}"));
        Assert.Equal(SecretKind.ProviderConfiguration, finding.Kind);
    }

    public static TheoryData<string, SecretKind> SecretStrings => new()
    {
        { Samples.Bearer, SecretKind.BearerToken },
        { Samples.Jwt, SecretKind.Jwt },
        { Samples.OpenAiKey, SecretKind.ApiKey },
        { Samples.AnthropicKey, SecretKind.ApiKey },
        { Samples.AwsKey, SecretKind.ApiKey },
        { Samples.GitHubToken, SecretKind.ApiKey },
        { "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnop", SecretKind.ApiKey },
        { Samples.SlackToken, SecretKind.ApiKey },
        { Samples.GoogleKey, SecretKind.ApiKey },
        { Samples.PrivateKey, SecretKind.PrivateKey },
    };

    [Theory]
    [MemberData(nameof(SecretStrings))]
    public void Scan_SecretShapedString_FoundWithPathNotValue(string value, SecretKind kind)
    {
        var escaped = System.Text.Json.JsonSerializer.Serialize(value);
        var findings = Scan("{\"args\":{\"items\":[{\"note\":" + escaped + "}]}}");

        var finding = Assert.Single(findings);
        Assert.Equal(kind, finding.Kind);
        Assert.Equal("$.args.items[0].note", finding.Path);
        Assert.DoesNotContain(value, finding.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"order_id":"4111111111111112","qty":3}""")]
    [InlineData("""{"id":"550e8400-e29b-41d4-a716-446655440000"}""")]
    [InlineData("""{"body_sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}""")]
    [InlineData("""{"text":"Please email jane@example.com about order 12345678901234","max_tokens":100}""")]
    [InlineData("""{"token_count":12,"max_completion_tokens":5,"next_page_token":""}""")]
    [InlineData("""{"password":null,"secret":false,"api_key":""}""")]
    [InlineData("""{"desc":"The bearer of the note","sk":"sk-short"}""")]
    public void Scan_OrdinaryPayload_NoFindings(string json) => Assert.Empty(Scan(json));

    [Fact]
    public void Scan_Base64Image_NoFindings()
    {
        var bytes = new byte[20_000];
        new Random(42).NextBytes(bytes);
        Assert.Empty(Scan("{\"image\":\"data:image/png;base64," + Convert.ToBase64String(bytes) + "\"}"));
    }

    [Fact]
    public void Scan_InvalidJson_StillScansText() =>
        Assert.Contains(Scan("{not json " + Samples.OpenAiKey), f => f.Kind == SecretKind.ApiKey && f.Path == "$");

    [Fact]
    public void Scan_OddMemberNames_QuotedPath() =>
        Assert.Equal("$['my key'][0]", Assert.Single(Scan("{\"my key\":[\"" + Samples.AwsKey + "\"]}")).Path);

    [Fact]
    public void Scan_KeyInALongPromptWithAndWithoutEscapes_FoundEitherWay()
    {
        var prompt = "Summarise the notes. " + new string('x', 2000) + " café ☕ " + Samples.OpenAiKey + " end";

        var plain = Scan("{\"messages\":[{\"content\":\"" + prompt + "\"}]}");
        var escaped = Scan("{\"messages\":[{\"content\":\"line\\n\\u00e9 " + prompt + "\"}]}");

        Assert.Equal(new SecretFinding("$.messages[0].content", SecretKind.ApiKey), Assert.Single(plain));
        Assert.Equal(new SecretFinding("$.messages[0].content", SecretKind.ApiKey), Assert.Single(escaped));
    }

    [Fact]
    public void Scan_KeyWrittenWithJsonEscapes_IsReadAsItsText()
    {
        // "\u0041KIA…": the escape is unescaped before scanning, as the upstream would read it.
        var findings = Scan("{\"note\":\"\\u0041" + Samples.AwsKey[1..] + "\"}");

        Assert.Equal(SecretKind.ApiKey, Assert.Single(findings).Kind);
    }

    [Fact]
    public void Scan_MemberNameWrittenWithJsonEscapes_IsReadAsItsName()
    {
        var finding = Assert.Single(Scan("{\"args\":{\"api\\u005fkey\":\"whatever-value\"}}"));

        Assert.Equal(new SecretFinding("$.args.api_key", SecretKind.CredentialMember), finding);
    }

    [Fact]
    public void Scan_FindingDeepDown_NamesEveryStepOfItsPath()
    {
        var json = string.Concat(Enumerable.Range(0, 20).Select(i => "{\"m" + i + "\":[")) + "\"" + Samples.AwsKey + "\""
            + string.Concat(Enumerable.Repeat("]}", 20));

        var finding = Assert.Single(Scan(json));

        Assert.Equal("$" + string.Concat(Enumerable.Range(0, 20).Select(i => ".m" + i + "[0]")), finding.Path);
    }
}
