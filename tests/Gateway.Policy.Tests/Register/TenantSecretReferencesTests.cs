namespace Gateway.Policy.Tests.Register;

public sealed class TenantSecretReferencesTests
{
    [Theory]
    [InlineData("acme", "ACME__")]
    [InlineData("acme-eu", "ACME_EU__")]
    [InlineData("t1", "T1__")]
    public void EnvironmentPrefix_Slug_IsItInCapitalsWithUnderscoresThenTwo(string tenant, string prefix) =>
        Assert.Equal(prefix, TenantSecretReferences.EnvironmentPrefix(tenant));

    [Theory]
    [InlineData("ACME__KEY", "acme")]
    [InlineData("ACME_EU__KEY", "acme-eu")]
    [InlineData("ACME__X__KEY", "acme--x")]
    [InlineData("ACME___KEY", "acme")]
    [InlineData("ACME_KEY", null)]
    [InlineData("acme__KEY", null)]
    [InlineData("OPENAI_API_KEY", null)]
    public void EnvironmentOwner_Variable_IsTheTenantWithTheLongestPrefixItBeginsWith(string variable, string? owner) =>
        Assert.Equal(owner, TenantSecretReferences.EnvironmentOwner(["acme", "acme-eu", "acme--x"], variable));

    [Fact]
    public void Of_Register_NamesEveryReferenceWithWhereItIsWritten()
    {
        static SecretReference Env(string name) => new() { Source = SecretSource.Environment, Name = name };
        var register = new TenantRegister
        {
            Tenant = "acme",
            Agents = [new AgentRecord { Id = "a1", Secret = Env("S"), NextSecret = Env("N") }],
            Catalog = [new CatalogEntry { Name = "crm.read", Kind = ConnectorKind.Http, ActionType = ActionType.Read, Credential = Env("C"), Person = new PersonRequirement { Client = new PersonClient { Id = "x", Secret = Env("P") } } }],
            OpenIdProvider = new OpenIdProvider { Issuer = new Uri("https://idp.example"), IssuerText = "https://idp.example", Audiences = ["gw"], ClientSecret = Env("O") },
        };

        Assert.Equal(
            ["agent 'a1' secret=S", "agent 'a1' next_secret=N", "catalog entry 'crm.read' credential=C", "catalog entry 'crm.read' person client secret=P", "openid_provider client_secret=O"],
            TenantSecretReferences.Of(register).Select(r => r.Where + "=" + r.Reference.Name));
    }
}
