using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests.Register;

/// <summary>
/// A catalog entry's connector fields that a credential can be pasted into (<c>auth</c>, <c>upstream</c>,
/// <c>destinations</c>, <c>health_check.path</c>, <c>http.path</c>, the person's URLs): a refused value is named by its
/// field and line, never quoted, since bundle errors are logged and printed; of a URL only its http(s) origin is shown.
/// </summary>
public sealed class CatalogSectionParserTests
{
    private const string Pasted = "sk-live-4f9a8b7c6d5e";

    [Theory]
    [InlineData("\"header:X-Api-Key: sk-live-4f9a8b7c6d5e\"")]
    [InlineData("\"Bearer sk-live-4f9a8b7c6d5e\"")]
    [InlineData("\"sk-live-4f9a8b7c6d5e\"")]
    public void LoadTenantText_AuthHoldingAHeaderLineWithACredential_ErrorNeverQuotesIt(string auth)
    {
        var result = Load($"{{ name: crm, kind: http, action_type: read, upstream: \"https://crm.example/api\", credential: \"vault:crm\", auth: {auth} }}");

        var error = Assert.Single(result.Errors);
        Assert.Equal((BundleErrorCodes.InvalidValue, 4), (error.Code, error.Line));
        Assert.Contains("auth must be bearer, x-api-key or header:<Name>", error.Message, StringComparison.Ordinal);
        AssertNeverQuoted(result);
    }

    [Theory]
    [InlineData("upstream: \"ftp://svc:sk-live-4f9a8b7c6d5e@crm.example/api\"", "upstream (not shown: it may hold a secret) must be an absolute http(s) URL")]
    [InlineData("upstream: \"sk-live-4f9a8b7c6d5e\"", "upstream (not shown: it may hold a secret)")]
    [InlineData("upstream: \"https://svc:sk-live-4f9a8b7c6d5e@crm.example/api\"", "upstream 'https://crm.example/…' must not hold user information")]
    [InlineData("upstream: \"https://crm.example/api\", destinations: [\"https://u:sk-live-4f9a8b7c6d5e@crm2.example/api\"]", "destination 'https://crm2.example/…' must not hold user information")]
    [InlineData("upstream: \"https://crm.example/api\", destinations: [\"https://crm2.example/other?key=sk-live-4f9a8b7c6d5e\"]", "destination 'https://crm2.example/…' must have the same path as the upstream")]
    [InlineData("upstream: \"https://crm.example/api\", destinations: [\"gopher://u:sk-live-4f9a8b7c6d5e@crm2.example/api\"]", "destination (not shown: it may hold a secret) must be an absolute http(s) URL")]
    [InlineData("upstream: \"https://crm.example/api\", health_check: { path: \"/health?api_key=sk-live-4f9a8b7c6d5e\" }", "health_check.path must be an absolute path")]
    [InlineData("upstream: \"https://crm.example/api\", http: { path: \"api_key=sk-live-4f9a8b7c6d5e\" }", "http.path must start with '/'")]
    [InlineData("upstream: \"https://crm.example/api\", person: { credential: token_exchange, resource: \"https://api.example/#sk-live-4f9a8b7c6d5e\" }", "person.resource 'https://api.example/…'")]
    [InlineData("upstream: \"https://crm.example/api\", person: { credential: per_person, authorization_server: \"https://auth.example/token?client_secret=sk-live-4f9a8b7c6d5e\", client: { dynamic: true } }", "authorization_server 'https://auth.example/…'")]
    public void LoadTenantText_ConnectorUrlOrPathHoldingACredential_ErrorShowsItsOriginAtMost(string fields, string shown)
    {
        var result = Load($"{{ name: crm, kind: http, action_type: read, {fields} }}");

        Assert.Contains(result.Errors, e => e.Line == 4 && e.Message.Contains(shown, StringComparison.Ordinal));
        AssertNeverQuoted(result);
    }

    [Fact]
    public void LoadTenantText_IssuerWithACredentialInItsQuery_ErrorShowsItsOriginOnly()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml",
            $"tenant: t1\nworkspaces: [w]\nopenid_provider: {{ issuer: \"https://login.example/?token={Pasted}\", audiences: [gw] }}\n", Path.GetTempPath());

        Assert.Contains(result.Errors, static e => e.Code == BundleErrorCodes.InvalidUrl && e.Message.Contains("issuer 'https://login.example/…'", StringComparison.Ordinal));
        AssertNeverQuoted(result);
    }

    private static TenantLoadResult Load(string entry) =>
        PolicyBundleLoader.LoadTenantText("t1.yaml", $"tenant: t1\nworkspaces: [w]\ncatalog:\n  - {entry}\n", Path.GetTempPath());

    private static void AssertNeverQuoted(TenantLoadResult result) =>
        Assert.DoesNotContain(Pasted, string.Join('\n', result.Errors.Select(static e => e.ToString())), StringComparison.Ordinal);
}
