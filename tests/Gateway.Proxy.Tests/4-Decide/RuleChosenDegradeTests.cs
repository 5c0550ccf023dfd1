using System.Net;
using Gamut.Agent.Upstream;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>
/// A degrade rule's chosen form is the one executed, not the catalog entry's. A copy of the example adds a
/// rule degrading crm.update_contact (a write whose entry declares no form, so it would run read_only) to
/// <c>mask</c>: the write goes through (masked), where read_only would refuse it.
/// </summary>
public sealed class RuleChosenDegradeTests : IClassFixture<RuleChosenDegradeTests.Fixture>
{
    private readonly GovernedGateway _gw;

    public RuleChosenDegradeTests(Fixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task InvokeTool_RuleChoosesMask_TheWriteRunsMaskedNotReadOnly()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool",
            """{"tool":"crm.update_contact","args":{"id":"ID","name":"x"}}""".Replace("ID", id, StringComparison.Ordinal));

        var json = await DecisionJson.DecisionAsync(response, "degrade");
        Assert.Equal("mask", json.GetProperty("explanation").GetProperty("degrade_mode").GetString());
        Assert.True(json.GetProperty("invoked").GetBoolean());
        Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Fact]
    public async Task Providers_RuleChoosesMask_TheWriteRunsMaskedNotReadOnly()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Patch, "/providers/crm.read_contact/contacts/" + id, """{"name":"x"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
        var check = _gw.Upstream.TokenChecks.Last(c => c.Path == "/crm/contacts/" + id);
        Assert.Equal(DecisionTokenFailure.None, check.Failure);
        Assert.Equal("degrade", check.Payload!.Decision);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private const string Rule = """
            rules:
              - id: masked-contact-updates
                match: { tools: [crm.update_contact] }
                effect: degrade
                degrade: mask
                reason: masked_contact_update

            """;

        public GovernedGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync() => Gateway = await GovernedGateway.StartAsync(text =>
        {
            Assert.Contains("\nrules:\n", text, StringComparison.Ordinal);
            return text.Replace("\nrules:\n", "\n" + Rule.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        });

        public async Task DisposeAsync() => await Gateway.DisposeAsync();
    }
}
