using System.Net;
using Gamut.Agent.Upstream;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>
/// A degrade rule's chosen form is the one executed, not the catalog entry's. A copy of the example adds rules degrading
/// crm.update_contact (a write whose entry declares no form, so it would run read_only): to <c>dry_run</c>, and the write
/// goes through told not to commit, where read_only would refuse it; to <c>mask</c>, which reduces only a response, and
/// the write is blocked, never forwarded whole.
/// </summary>
public sealed class RuleChosenDegradeTests : IClassFixture<RuleChosenDegradeTests.Fixture>
{
    private readonly GovernedGateway _gw;

    public RuleChosenDegradeTests(Fixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task InvokeTool_RuleChoosesDryRun_TheWriteRunsAsADryRunNotReadOnly()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool",
            """{"tool":"crm.update_contact","args":{"id":"ID","name":"rehearse"}}""".Replace("ID", id, StringComparison.Ordinal));

        var json = await DecisionJson.DecisionAsync(response, "degrade");
        Assert.Equal("dry_run", json.GetProperty("explanation").GetProperty("degrade_mode").GetString());
        Assert.True(json.GetProperty("invoked").GetBoolean());
        Assert.Equal("true", Assert.Single(_gw.Upstream.To("/crm/contacts/" + id)).Headers["X-Gamut-Dry-Run"]);
    }

    [Fact]
    public async Task InvokeTool_RuleChoosesMask_TheWriteIsBlockedNotForwarded()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool",
            """{"tool":"crm.update_contact","args":{"id":"ID","name":"mask"}}""".Replace("ID", id, StringComparison.Ordinal));

        var json = await DecisionJson.ReadAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("block", json.GetProperty("decision").GetString());
        Assert.False(json.GetProperty("invoked").GetBoolean());
        Assert.Contains(json.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(),
            t => t.GetProperty("rule").GetString() == "masked-contact-updates" && t.GetProperty("reason_code").GetString() == "degrade_form_response_only");
        Assert.Empty(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Fact]
    public async Task Providers_RuleChoosesMask_TheWriteIsBlockedNotForwarded()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Patch, "/providers/crm.read_contact/contacts/" + id, """{"name":"mask"}"""));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Empty(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Fact]
    public async Task Providers_RuleChoosesDryRun_TheWriteRunsAsADryRun()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Patch, "/providers/crm.read_contact/contacts/" + id, """{"name":"rehearse"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", Assert.Single(_gw.Upstream.To("/crm/contacts/" + id)).Headers["X-Gamut-Dry-Run"]);
        var check = _gw.Upstream.TokenChecks.Last(c => c.Path == "/crm/contacts/" + id);
        Assert.Equal(DecisionTokenFailure.None, check.Failure);
        Assert.Equal("degrade", check.Payload!.Decision);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private const string Rule = """
            rules:
              - id: rehearsed-contact-updates
                match: { tools: [crm.update_contact], args: [{ path: $.name, equals: rehearse }] }
                effect: degrade
                degrade: dry_run
                reason: rehearsed_contact_update
              - id: masked-contact-updates
                match: { tools: [crm.update_contact], args: [{ path: $.name, equals: mask }] }
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
