using System.Globalization;
using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// An agent rotating its secret (<c>next_secret</c>, <c>rotation_ends</c> in the bundle): both secrets sign during the
/// window, only the next one after it or once the current one is retired; the audit record and the metric say which signed.
/// </summary>
public sealed class SecretRotationTests : IDisposable
{
    private const string AgentPath = "/admin/v1/tenants/demo/agents/demo-agent";
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private readonly SecretRotation _rotation = new();

    public void Dispose() => _rotation.Dispose();

    [Fact]
    public async Task Evaluate_DuringRotationWindow_BothSecretsAreAccepted()
    {
        await using var gw = await GovernedGateway.StartAsync(_rotation.Rewrite("2999-01-01T00:00:00Z"));

        using var current = await gw.Agent.PostJsonAsync("/v1/evaluate", Evaluate);
        using var next = await Next(gw).PostJsonAsync("/v1/evaluate", Evaluate);

        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Evaluate_OtherSecretSentInAHeader_IsRefusedDuringTheWindow()
    {
        await using var gw = await GovernedGateway.StartAsync(_rotation.Rewrite());
        using var request = gw.Agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate);
        request.Headers.Add("X-Debug", _rotation.NextSecret);

        using var response = await gw.Host.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "secret_presented_otherwise");
    }

    [Fact]
    public async Task Evaluate_AfterRotationEnds_OnlyNextSecretIsAccepted()
    {
        await using var gw = await GovernedGateway.StartAsync(_rotation.Rewrite("2020-01-01T00:00:00Z"));

        await AssertOnlyNextAcceptedAsync(gw, "signature_mismatch");
    }

    [Fact]
    public async Task RetireSecret_DuringWindow_OnlyNextSecretIsAcceptedFromThen()
    {
        await using var gw = await GovernedGateway.StartAsync(_rotation.Rewrite());

        using (var retire = await gw.Admin().PostAsync(AgentPath + "/retire-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, retire.StatusCode);
            var body = await retire.Content.ReadAsStringAsync();
            Assert.DoesNotContain(gw.Bundle.AgentSecret, body, StringComparison.Ordinal);
            Assert.DoesNotContain(_rotation.NextSecret, body, StringComparison.Ordinal);
        }

        await AssertOnlyNextAcceptedAsync(gw, "secret_retired");
    }

    [Fact]
    public async Task RetireSecret_NoNextSecretOrWindowOver_Is409AndTheSecretStillWorks()
    {
        await using var gw = await GovernedGateway.StartAsync(_rotation.Rewrite("2020-01-01T00:00:00Z"));

        using (var ended = await gw.Admin().PostAsync(AgentPath + "/retire-secret", content: null))
        {
            await ProblemAssert.IsProblemAsync(ended, HttpStatusCode.Conflict, "no_secret_rotation");
        }

        using (var none = await gw.Admin().PostAsync("/admin/v1/tenants/demo/agents/rogue-agent/retire-secret", content: null))
        {
            await ProblemAssert.IsProblemAsync(none, HttpStatusCode.Conflict, "no_secret_rotation");
        }

        using var next = await Next(gw).PostJsonAsync("/v1/evaluate", Evaluate);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Evaluate_SignedWithEitherSecret_AuditRecordAndMetricNameTheSlotAndTheChainVerifies()
    {
        await using var gw = await GovernedGateway.StartAsync(_rotation.Rewrite());

        await RotationAssert.BothAcceptedAndRecordedAsync(gw, () => gw.Agent.PostJsonAsync("/v1/evaluate", Evaluate), () => Next(gw).PostJsonAsync("/v1/evaluate", Evaluate));
        using var verified = JsonDocument.Parse(await gw.Admin().GetStringAsync("/admin/v1/tenants/demo/audit/verify"));
        Assert.True(verified.RootElement.GetProperty("intact").GetBoolean(), verified.RootElement.ToString());
    }

    [Fact]
    public async Task Token_AssertionAfterRetirement_OnlyTheNextSecretGetsOne()
    {
        await using var gw = await GovernedGateway.StartAsync(_rotation.Rewrite());
        using var current = new OAuthClient(gw.Host.Client, gw.Bundle.AgentSecret);
        using var next = new OAuthClient(gw.Host.Client, _rotation.NextSecret);
        using (var before = await current.RequestTokenAsync(current.TokenForm("/mcp")))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (var retire = await gw.Admin().PostAsync(AgentPath + "/retire-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, retire.StatusCode);
        }

        using var refused = await current.RequestTokenAsync(current.TokenForm("/mcp"));
        using var issued = await next.RequestTokenAsync(next.TokenForm("/mcp"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("invalid_client", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
    }

    [Fact]
    public async Task Token_ObtainedWithTheRetiredSecret_IsRefusedAtOnceAndOneOfTheNextStillWorks()
    {
        await using var gw = await GovernedGateway.StartAsync(_rotation.Rewrite());
        using var current = new OAuthClient(gw.Host.Client, gw.Bundle.AgentSecret);
        using var next = new OAuthClient(gw.Host.Client, _rotation.NextSecret);
        var before = await current.TokenAsync("/mcp");
        var after = await next.TokenAsync("/mcp");
        using (var accepted = await InitializeMcpAsync(gw, before))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using (var retire = await gw.Admin().PostAsync(AgentPath + "/retire-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, retire.StatusCode);
        }

        using var refused = await InitializeMcpAsync(gw, before);
        using var stillValid = await InitializeMcpAsync(gw, after);
        Assert.Contains("secret_retired", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
    }

    [Fact]
    public async Task ChildRequest_IssuedWithTheCurrentSecretAfterRotationEnds_IsRefusedSecretRetiredAndOneIssuedWithTheNextIsServed()
    {
        var clock = new MovableClock();
        await using var gw = await StartEndingSoonAsync(clock);
        var underCurrent = await DelegateAsync(gw, new AgentClient(gw.Host.Client, gw.Bundle.AgentSecret, time: clock), clock);
        var underNext = await DelegateAsync(gw, new AgentClient(gw.Host.Client, _rotation.NextSecret, time: clock), clock);
        using (var before = await underCurrent.PostJsonAsync("/v1/evaluate", Evaluate))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        clock.Offset = TimeSpan.FromMinutes(3);
        using var refused = await underCurrent.PostJsonAsync("/v1/evaluate", Evaluate);
        using var served = await underNext.PostJsonAsync("/v1/evaluate", Evaluate);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "secret_retired");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task ChildRequest_IssuerRotationEndedAndBadSignature_IsNotSecretRetired()
    {
        var clock = new MovableClock();
        await using var gw = await StartEndingSoonAsync(clock);
        var child = await DelegateAsync(gw, new AgentClient(gw.Host.Client, gw.Bundle.AgentSecret, time: clock), clock);
        var impostor = new AgentClient(gw.Host.Client, "not-the-childs-secret-" + Guid.NewGuid().ToString("N"), child.Tenant, child.Workspace, child.Agent, clock);

        clock.Offset = TimeSpan.FromMinutes(3);
        using var refused = await impostor.PostJsonAsync("/v1/evaluate", Evaluate);

        // Who cannot sign as the child learns nothing of its issuer's rotation: refused as any bad signature is, unrecorded.
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "signature_mismatch");
        Assert.Empty(await gw.AuditRecordsAsync(Assert.Single(refused.Headers.GetValues("X-Request-Id"))));
    }

    [Fact]
    public async Task ChildRequest_IssuerRotationEndedSignedByTheChildTwice_IsSecretRetiredRecordedOnceUnderTheChild()
    {
        var clock = new MovableClock();
        await using var gw = await StartEndingSoonAsync(clock);
        var child = await DelegateAsync(gw, new AgentClient(gw.Host.Client, gw.Bundle.AgentSecret, time: clock), clock);

        clock.Offset = TimeSpan.FromMinutes(3);
        var requestIds = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var refused = await child.PostJsonAsync("/v1/evaluate", Evaluate);
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "secret_retired");
            requestIds.Add(Assert.Single(refused.Headers.GetValues("X-Request-Id")));
        }

        var record = Assert.Single(await gw.AuditRecordsAsync(requestIds[0]));
        Assert.Equal("refused:secret_retired", record.GetProperty("decision").GetString());
        Assert.Equal(child.Agent, record.GetProperty("agent").GetString());
        Assert.Empty(await gw.AuditRecordsAsync(requestIds[1]));
    }

    [Fact]
    public async Task Token_ObtainedWithTheCurrentSecretAfterRotationEnds_IsRefusedSecretRetiredAndOneOfTheNextStillWorks()
    {
        var clock = new MovableClock();
        await using var gw = await StartEndingSoonAsync(clock);
        using var current = new OAuthClient(gw.Host.Client, gw.Bundle.AgentSecret);
        using var next = new OAuthClient(gw.Host.Client, _rotation.NextSecret);
        var before = await current.TokenAsync("/mcp");
        var after = await next.TokenAsync("/mcp");

        clock.Offset = TimeSpan.FromMinutes(3);
        using var refused = await InitializeMcpAsync(gw, before);
        using var stillValid = await InitializeMcpAsync(gw, after);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("secret_retired", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
    }

    [Fact]
    public async Task Token_ObtainedWithTheCurrentSecretAfterRotationEndsPresentedFiveTimes_IsRecordedOnce()
    {
        var clock = new MovableClock();
        await using var gw = await StartEndingSoonAsync(clock);
        using var current = new OAuthClient(gw.Host.Client, gw.Bundle.AgentSecret);
        var before = await current.TokenAsync("/mcp");

        clock.Offset = TimeSpan.FromMinutes(3);
        var requestIds = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var refused = await InitializeMcpAsync(gw, before);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("secret_retired", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            requestIds.Add(Assert.Single(refused.Headers.GetValues("X-Request-Id")));
        }

        var record = Assert.Single(await gw.AuditRecordsAsync(requestIds[0]));
        Assert.Equal("refused:secret_retired", record.GetProperty("decision").GetString());
        using var query = await gw.Admin().GetAsync("/admin/v1/tenants/demo/audit/query?agent=demo-agent&decision=refused:secret_retired");
        Assert.Single((await DecisionJson.ReadAsync(query, HttpStatusCode.OK)).GetProperty("records").EnumerateArray());
    }

    /// <summary>The gateway on <paramref name="clock"/>, the demo agent's rotation ending two minutes from now (before its tokens and children expire).</summary>
    private Task<GovernedGateway> StartEndingSoonAsync(MovableClock clock) =>
        GovernedGateway.StartAsync(
            _rotation.Rewrite(DateTimeOffset.UtcNow.AddMinutes(2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
            builder => builder.Services.AddSingleton<TimeProvider>(clock));

    /// <summary>A child issued by <paramref name="parent"/> (201 asserted), signing on <paramref name="clock"/>.</summary>
    private static async Task<AgentClient> DelegateAsync(GovernedGateway gw, AgentClient parent, TimeProvider clock)
    {
        var (child, _) = await DelegationCalls.DelegateAsync(parent, gw.Host.Client);
        return new AgentClient(gw.Host.Client, child.Secret, child.Tenant, child.Workspace, child.Agent, clock);
    }

    /// <summary>An MCP initialize on <c>/mcp</c> with a bearer access token instead of a signature.</summary>
    private static async Task<HttpResponseMessage> InitializeMcpAsync(GovernedGateway gw, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await gw.Host.Client.SendAsync(request);
    }

    private AgentClient Next(GovernedGateway gw) => new(gw.Host.Client, _rotation.NextSecret);

    /// <summary>A request signed with the current secret is refused with <paramref name="code"/>; one signed with the next is answered.</summary>
    private async Task AssertOnlyNextAcceptedAsync(GovernedGateway gw, string code)
    {
        using var current = await gw.Agent.PostJsonAsync("/v1/evaluate", Evaluate);
        using var next = await Next(gw).PostJsonAsync("/v1/evaluate", Evaluate);

        await ProblemAssert.IsProblemAsync(current, HttpStatusCode.Unauthorized, code);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }
}
