using System.Text.Json;
using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// URL and host spellings that WHATWG URL parsers (Node's URL and fetch) and Python's <c>urlsplit</c> read as the plain
/// name: tabs and line breaks anywhere, C0 controls and spaces around, a special scheme with missing, extra or back
/// slashes, and an IPv6 literal in any spelling or with a zone. Each compares as the plain name, so a block rule on the
/// plain spelling blocks it.
/// </summary>
public sealed class UrlSpellingEvasionTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: fetch, kind: http, action_type: read, upstream: "https://fetch.example.com/api" }
        agents:
          - id: a
            human_owner: hugo
            security_owner: alice
            atf_level: L3
            permissions: [{ tool: fetch }]
        rules:
          - id: no-metadata-arg
            match: { tools: [fetch], args: [{ path: $.url, glob: "http://169.254.169.254/*" }] }
            effect: block
            reason: metadata_url
          - id: no-evil-arg
            match: { tools: [fetch], args: [{ path: $.url, glob: "https://evil.com/*" }] }
            effect: block
            reason: evil_url
          - id: no-loopback-arg
            match: { tools: [fetch], args: [{ path: $.url, glob: "http://[::1]/*" }] }
            effect: block
            reason: loopback_url
          - id: no-metadata-target
            match: { targets: [{ kind: url, value: "http://169.254.169.254/*" }, { kind: host, value: 169.254.169.254 }] }
            effect: block
            reason: metadata_target
          - id: no-evil-target
            match: { targets: [{ kind: url, value: "https://evil.com/*" }, { kind: host, value: evil.com }] }
            effect: block
            reason: evil_target
          - id: no-loopback-target
            match: { targets: [{ kind: url, value: "http://[::1]/*" }, { kind: host, value: "[::1]" }] }
            effect: block
            reason: loopback_target
        """;

    [Theory]
    [InlineData("http://169.254.169.\t254/latest/meta-data/", "http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://ev\nil.com/", "http://evil.com/")]
    [InlineData("ht\ttp://evil.com/a\r\n/b", "http://evil.com/a/b")]
    [InlineData("\u0001 https://evil.com/x \u001F\u0000", "https://evil.com/x")]
    [InlineData("https:evil.com/x", "https://evil.com/x")]
    [InlineData("https:/evil.com/x", "https://evil.com/x")]
    [InlineData("https:///evil.com/x", "https://evil.com/x")]
    [InlineData("https:\\\\evil.com/x", "https://evil.com/x")]
    [InlineData("HTTPS:\\/\\evil.com/x", "https://evil.com/x")]
    [InlineData("wss:evil.com", "wss://evil.com/")]
    [InlineData("ftp:/evil.com:21/x", "ftp://evil.com/x")]
    [InlineData("///evil.com/x", "//evil.com/x")]
    [InlineData("mailto:x@evil.com", "mailto:x@evil.com")]
    [InlineData("foo:/evil.com/x", "foo:/evil.com/x")]
    [InlineData("foo:///evil.com/x", "foo:///evil.com/x")]
    [InlineData("http://[0:0:0:0:0:0:0:1]/x", "http://[::1]/x")]
    [InlineData("http://[0::1]:80/x", "http://[::1]/x")]
    [InlineData("http://[::0001]/x", "http://[::1]/x")]
    [InlineData("http://[::1%eth0]/x", "http://[::1]/x")]
    [InlineData("http://[::1%25eth0]:8080/x", "http://[::1]:8080/x")]
    [InlineData("http://[2001:DB8:0:0:0:0:0:1]/", "http://[2001:db8::1]/")]
    [InlineData("http://[::ffff:1.2.3]/", "http://[::ffff:1.2.3]/")]
    [InlineData("https://ev\u00ADil.com/x", "https://evil.com/x")]
    [InlineData("https://ev%C2%ADil.com/x", "https://evil.com/x")]
    [InlineData("https://\u200Bevil\u2060.\u2064com\uFEFF/x", "https://evil.com/x")]
    [InlineData("https://e\u034Fv\u180Bi\u180El\u180F.com\uFE00\uFE0F/x", "https://evil.com/x")]
    [InlineData("https://ev\U0001BCA0il\U0001BCA3.com/x", "https://evil.com/x")]
    [InlineData("https://ev\U000E0100il.c\U000E01EFom/x", "https://evil.com/x")]
    [InlineData("http://169.254.169.2\u00AD54/x", "http://169.254.169.254/x")]
    public void Normalize_EvasiveUrlSpelling_IsTheCanonicalUrl(string url, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(url, ValueForm.Url));
    }

    [Theory]
    [InlineData("http://169.254.169.\t254/*", "http://169.254.169.254/*")]
    [InlineData("https:evil.com/*", "https://evil.com/*")]
    [InlineData("https:///evil.com/*", "https://evil.com/*")]
    [InlineData("http://[0:0::1]/*", "http://[::1]/*")]
    [InlineData("http://[::1%eth0]/*", "http://[::1]/*")]
    [InlineData("http://[::*]/*", "http://[::*]/*")]
    public void Normalize_EvasiveUrlPattern_IsTheCanonicalUrl(string pattern, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(pattern, ValueForm.Url, isPattern: true));
    }

    [Theory]
    [InlineData("169.254.169.\t254", "169.254.169.254")]
    [InlineData("ev\r\nil.com", "evil.com")]
    [InlineData("\u0000evil.com\u0007 ", "evil.com")]
    [InlineData("https:evil.com/x", "evil.com")]
    [InlineData("https:///evil.com/x", "evil.com")]
    [InlineData("http:\\\\evil.com\\x", "evil.com")]
    [InlineData("\\\\evil.com\\x", "evil.com")]
    [InlineData("[0:0:0:0:0:0:0:1]", "[::1]")]
    [InlineData("[0::1]", "[::1]")]
    [InlineData("[::0001]", "[::1]")]
    [InlineData("[::1%eth0]", "[::1]")]
    [InlineData("[::1%25eth0]", "[::1]")]
    [InlineData("http://[0::1]:8080/x", "[::1]")]
    [InlineData("[FE80::A%1]", "[fe80::a]")]
    [InlineData("[::1:2::3]", "[::1:2::3]")]
    [InlineData("ev\u00ADil.com", "evil.com")]
    [InlineData("ev%C2%ADil.com", "evil.com")]
    [InlineData("\uFEFFev\u200Bil.com\U000E0100", "evil.com")]
    [InlineData("https://ev\U0001BCA1il.com/x", "evil.com")]
    [InlineData("169.254.169.2\u206054", "169.254.169.254")]
    [InlineData("https://api.example.com%2F@evil.com/x", "evil.com")]
    [InlineData("https://api.example.com%3F@evil.com/x", "evil.com")]
    [InlineData("https://api.example.com%23@evil.com/x", "evil.com")]
    [InlineData("https://api.example.com%5C@evil.com/x", "evil.com")]
    [InlineData("https://api.example.com\uFF0F@evil.com/x", "evil.com")]
    public void Normalize_EvasiveHostSpelling_IsTheCanonicalHost(string host, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(host, ValueForm.Host));
    }

    [Theory]
    [InlineData("169.254.169.\t254", "169.254.169.254")]
    [InlineData("[0:0:0:0:0:0:0:1]", "[::1]")]
    [InlineData("[::1%eth0]", "[::1]")]
    [InlineData("[::*]", "[::*]")]
    public void Normalize_EvasiveHostPattern_IsTheCanonicalHost(string pattern, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(pattern, ValueForm.Host, isPattern: true));
    }

    [Theory]
    [InlineData("http://169.254.169.\t254/latest/meta-data/", "metadata_url")]
    [InlineData("http://169.254.169.254\n/latest/meta-data/", "metadata_url")]
    [InlineData(" \u0000http://169.254.169.254/latest/ ", "metadata_url")]
    [InlineData("http:169.254.169.254/latest/meta-data/", "metadata_url")]
    [InlineData("https://ev\nil.com/x", "evil_url")]
    [InlineData("https:evil.com/x", "evil_url")]
    [InlineData("https:/evil.com/x", "evil_url")]
    [InlineData("https:///evil.com/x", "evil_url")]
    [InlineData("https:\\\\evil.com/x", "evil_url")]
    [InlineData("http://[0:0:0:0:0:0:0:1]/x", "loopback_url")]
    [InlineData("http://[0::1]/x", "loopback_url")]
    [InlineData("http://[::0001]/x", "loopback_url")]
    [InlineData("http://[::1%eth0]/x", "loopback_url")]
    [InlineData("https://ev\u00ADil.com/x", "evil_url")]
    [InlineData("https://ev%C2%ADil.com/x", "evil_url")]
    [InlineData("https://evil\u200B.com/x", "evil_url")]
    [InlineData("https://ev\U000E0100il.com/x", "evil_url")]
    public void Evaluate_BlockRuleOnUrlArgument_BlocksTheEvasiveSpelling(string url, string reason)
    {
        var decision = Evaluate(Request(url));

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Equal(reason, Assert.Single(decision.Explanation.RuleTriggers).ReasonCode);
    }

    [Theory]
    [InlineData(TargetKind.Url, "http://169.254.169.\t254/latest/meta-data/", "metadata_target")]
    [InlineData(TargetKind.Url, "http:///169.254.169.254/latest/", "metadata_target")]
    [InlineData(TargetKind.Host, "169.254.169.\t254", "metadata_target")]
    [InlineData(TargetKind.Host, "http:169.254.169.254/latest/", "metadata_target")]
    [InlineData(TargetKind.Url, "https://ev\nil.com/x", "evil_target")]
    [InlineData(TargetKind.Url, "https:evil.com/x", "evil_target")]
    [InlineData(TargetKind.Host, "ev\r\nil.com", "evil_target")]
    [InlineData(TargetKind.Host, "https:///evil.com/x", "evil_target")]
    [InlineData(TargetKind.Host, "https:\\\\evil.com\\x", "evil_target")]
    [InlineData(TargetKind.Url, "http://[0:0:0:0:0:0:0:1]/x", "loopback_target")]
    [InlineData(TargetKind.Url, "http://[::1%25eth0]/x", "loopback_target")]
    [InlineData(TargetKind.Host, "[0::1]", "loopback_target")]
    [InlineData(TargetKind.Host, "[::0001]", "loopback_target")]
    [InlineData(TargetKind.Host, "[::1%eth0]", "loopback_target")]
    [InlineData(TargetKind.Url, "https://ev\u00ADil.com/x", "evil_target")]
    [InlineData(TargetKind.Host, "ev\u2060il.com", "evil_target")]
    [InlineData(TargetKind.Host, "http://trusted.example%2F@169.254.169.254/latest/meta-data", "metadata_target")]
    [InlineData(TargetKind.Host, "https://api.example.com%5C@evil.com/x", "evil_target")]
    public void Evaluate_BlockRuleOnTarget_BlocksTheEvasiveSpelling(TargetKind kind, string value, string reason)
    {
        var decision = Evaluate(Request("https://fetch.example.com/ok", new ActionTarget { Kind = kind, Value = value }));

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Equal(reason, Assert.Single(decision.Explanation.RuleTriggers).ReasonCode);
    }

    [Theory]
    [InlineData("https://good.example/x")]
    [InlineData("https:good.example/evil.com/x")]
    [InlineData("http://[::2]/x")]
    [InlineData("http://169.254.169.253/latest/")]
    public void Evaluate_AnotherHost_IsNotBlocked(string url)
    {
        var decision = Evaluate(Request(url, new ActionTarget { Kind = TargetKind.Url, Value = url }));

        Assert.NotEqual(DecisionKind.Block, decision.Kind);
        Assert.Empty(decision.Explanation.RuleTriggers);
    }

    private static Decision Evaluate(ActionRequest request)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return DecisionEngine.Instance.Evaluate(result.Tenant!, new AuthenticatedCaller("t1", "w", "a"), request);
    }

    private static ActionRequest Request(string url, params ActionTarget[] targets) => new()
    {
        Tool = "fetch",
        Args = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["url"] = url }),
        Targets = targets.Length == 0 ? null : targets,
    };
}
