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

    [Theory]
    [InlineData("\"id\",\"token\"\n\"1\",\"KEY\"\n")]
    [InlineData("0\nKEY")]
    [InlineData("{\"model\":\"x\"}\nKEY")]
    [InlineData("[1] // KEY")]
    public void Scan_JsonValueFollowedByText_ScansTheRest(string text)
    {
        var findings = Scan(text.Replace("KEY", Samples.AnthropicKey, StringComparison.Ordinal));

        Assert.Equal(new SecretFinding("$", SecretKind.ApiKey), Assert.Single(findings));
    }

    [Fact]
    public void Scan_JsonValueFollowedByWhitespace_NoFindings() => Assert.Empty(Scan("{\"model\":\"x\"} \r\n\t"));

    public static TheoryData<string, SecretKind> SecretShapedNames => new()
    {
        { Samples.AnthropicKey, SecretKind.ApiKey },
        { "Bearer " + Samples.Jwt, SecretKind.BearerToken },
        { Samples.AwsKey, SecretKind.ApiKey },
    };

    [Theory]
    [MemberData(nameof(SecretShapedNames))]
    public void Scan_SecretShapedMemberName_Found(string name, SecretKind kind)
    {
        var escaped = System.Text.Json.JsonSerializer.Serialize(name);
        var findings = Scan("{\"model\":\"x\",\"messages\":[],\"meta\":{" + escaped + ":true}}");

        Assert.Contains(new SecretFinding("$.meta[*]", kind), findings);
        Assert.All(findings, finding => Assert.DoesNotContain(name[^8..], finding.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void Scan_SecretBelowASecretShapedName_PathHidesTheName()
    {
        var findings = Scan("{\"" + Samples.OpenAiKey + "\":{\"note\":\"" + Samples.AwsKey + "\"}}");

        Assert.Equal([new SecretFinding("$[*]", SecretKind.ApiKey), new SecretFinding("$[*].note", SecretKind.ApiKey)], findings);
    }

    [Fact]
    public void Scan_LongOrdinaryMemberNames_NoFindings() =>
        Assert.Empty(Scan("""{"max_completion_tokens":5,"response_format":{"type":"json_object"},"a_rather_long_member_name_here":[1]}"""));

    [Theory]
    [InlineData("?api_key=anything", "?api_key", SecretKind.CredentialMember)]
    [InlineData("access%5Ftoken=x&q=1", "?access_token", SecretKind.CredentialMember)]
    [InlineData("?note=Bearer+abcdefghijkl0123456789", "?note", SecretKind.BearerToken)]
    [InlineData("?NAME", "?[0]", SecretKind.ApiKey)]
    [InlineData("?a=1&b=KEY", "?b", SecretKind.ApiKey)]
    public void ScanQuery_SecretMaterial_FoundWithPathNotValue(string query, string path, SecretKind kind)
    {
        var finding = Assert.Single(SecretMaterialDetector.ScanQuery(query.Replace("NAME", Samples.OpenAiKey, StringComparison.Ordinal).Replace("KEY", Samples.AwsKey, StringComparison.Ordinal)));

        Assert.Equal(new SecretFinding(path, kind), finding);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?")]
    [InlineData("?api-version=2024-10-21&base_url=https://x.example&organization=org-1")]
    [InlineData("?q=refund&api_key=&password")]
    public void ScanQuery_OrdinaryQuery_NoFindings(string query) => Assert.Empty(SecretMaterialDetector.ScanQuery(query));

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
