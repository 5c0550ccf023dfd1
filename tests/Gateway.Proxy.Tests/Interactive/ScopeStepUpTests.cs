using System.Net;
using System.Text.Json;
using Gateway.Authorization.AccessTokens;
using Gateway.Authorization.Interactive;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// Scope step-up (MCP authorization, "Scope Challenge Handling"), against a real Kestrel gateway whose demo agent's
/// <c>interactive:</c> block declares the scope <c>files</c> over the files server: a person's token without it may call
/// the notes server's tools (no scope covers them) but is refused the files server's with 403 <c>insufficient_scope</c>,
/// whose challenge names the scope and the resource metadata; the client authorizes again with that scope, the consent
/// page (shown again: the remembered consent lacks it) names it, and the new token calls the tool. A consent carries over
/// only the scopes of one that still stands (the page lists them), never those of one past a shortened max_session.
/// </summary>
public sealed class ScopeStepUpTests : IAsyncLifetime
{
    private readonly MovableClock _clock = new();
    private InteractiveGateway _gw = null!;

    // The gateway's clock is the test's; a console session stays live (not idle) while a test moves it by hours.
    public async Task InitializeAsync() => _gw = await InteractiveGateway.StartAsync(dynamicRegistration: false, [], scopes: "{ files: [files] }",
        settings: new Dictionary<string, string?> { ["Gateway:Console:IdleTimeout"] = "08:00:00" },
        configure: builder => builder.Services.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task ToolsCall_ScopeNotConsented_IsInsufficientScopeAndTheWiderTokenCallsIt()
    {
        using var browser = _gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        var (redirect, session) = await _gw.AuthorizeAsync(browser, "alice", [], challenge);
        var (_, narrow) = await _gw.ExchangeAsync(redirect, verifier);
        var narrowToken = narrow.GetProperty("access_token").GetString()!;

        using var allowed = await CallToolAsync(narrowToken, "notes__find", """{"text":"x"}""");
        using var refused = await CallToolAsync(narrowToken, "files__read_file", """{"text":"a"}""");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.False(narrow.TryGetProperty("scope", out _));
        Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, await refused.Content.ReadAsStringAsync());
        var challenges = refused.Headers.WwwAuthenticate.Select(static h => h.ToString()).ToList();
        var bearer = Assert.Single(challenges, static c => c.StartsWith("Bearer ", StringComparison.Ordinal));
        Assert.Contains("error=\"insufficient_scope\"", bearer, StringComparison.Ordinal);
        Assert.Contains("scope=\"files\"", bearer, StringComparison.Ordinal);
        Assert.Contains($"resource_metadata=\"{_gw.Origin}/.well-known/oauth-protected-resource/mcp\"", bearer, StringComparison.Ordinal);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("insufficient_scope", error.GetProperty("data").GetProperty("code").GetString());

        // The client authorizes again with the scope the challenge named: the consent page asks for it.
        var (verifier2, challenge2) = InteractiveGateway.NewPkce();
        string? page = null;
        var (redirect2, _) = await _gw.AuthorizeAsync(browser, "alice", [], challenge2, session, scope: "files unknown-scope", consentPage: html => page = html);
        var (status2, wide) = await _gw.ExchangeAsync(redirect2, verifier2);

        Assert.NotNull(page);
        Assert.Contains("<code>files</code>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown-scope", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, status2);
        Assert.Equal("files", wide.GetProperty("scope").GetString());
        var wideToken = wide.GetProperty("access_token").GetString()!;
        Assert.Equal(["files"], _gw.Gateway.Host.Services.GetRequiredService<AccessTokenFormat>().Read(wideToken, _gw.Origin, _gw.Resource, DateTimeOffset.UtcNow).Person!.Scopes);
        using var now = await CallToolAsync(wideToken, "files__read_file", """{"text":"a"}""");
        Assert.Equal(HttpStatusCode.OK, now.StatusCode);
        var answer = await now.Content.ReadAsStringAsync();
        Assert.DoesNotContain("\"error\"", answer, StringComparison.Ordinal);

        // The refusal is recorded under the tool, naming the person and the agent.
        var records = await _gw.AllAuditRecordsAsync();
        Assert.Contains(records, r => r.TryGetProperty("tool", out var t) && t.GetString() == "files.read"
            && r.TryGetProperty("person", out var p) && p.GetString() == "alice"
            && r.GetProperty("agent").GetString() == "demo-agent"
            && r.ToString().Contains("insufficient_scope", StringComparison.Ordinal));

        // Remembered now with the scope: asking for it again shows no page.
        var (_, challenge3) = InteractiveGateway.NewPkce();
        var shownAgain = false;
        var (redirect3, _) = await _gw.AuthorizeAsync(browser, "alice", [], challenge3, session, scope: "files", consentPage: _ => shownAgain = true);
        Assert.False(shownAgain);
        Assert.False(string.IsNullOrEmpty(InteractiveGateway.CodeOf(redirect3)));
    }

    [Fact]
    public async Task Consent_AfterMaxSessionShortened_DoesNotCarryOverLapsedScopes()
    {
        await ReloadAsync(text => text.Replace("scopes: { files: [files] }", "scopes: { files: [files], erase: [notes.erase] }", StringComparison.Ordinal));
        using var browser = _gw.Browser();
        var (_, session) = await _gw.AuthorizeAsync(browser, "alice", [], InteractiveGateway.NewPkce().Challenge, scope: "files");
        await ReloadAsync(text => text.Replace("max_session: 8h", "max_session: 1h", StringComparison.Ordinal));
        _clock.Offset = TimeSpan.FromHours(2);

        // The consent to "files" lapsed (older than the new max_session): allowing a request for no scope renews nothing else.
        string? lapsed = null;
        var (redirect, _) = await _gw.AuthorizeAsync(browser, "alice", [], InteractiveGateway.NewPkce().Challenge, session, consentPage: html => lapsed = html);

        Assert.NotNull(lapsed);
        Assert.DoesNotContain("<code>files</code>", lapsed, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(InteractiveGateway.CodeOf(redirect)));
        var consent = await _gw.Gateway.Host.Services.GetRequiredService<InteractiveGrants>().GetConsentAsync("demo", _gw.Provider.Issuer, "alice", InteractiveGateway.ClientId, CancellationToken.None);
        Assert.Empty(consent!.Scopes);
        string? asked = null;
        await _gw.AuthorizeAsync(browser, "alice", [], InteractiveGateway.NewPkce().Challenge, session, scope: "files", consentPage: html => asked = html);
        Assert.NotNull(asked);

        // A live scope allowed before is carried over, and the page says so.
        string? renewing = null;
        await _gw.AuthorizeAsync(browser, "alice", [], InteractiveGateway.NewPkce().Challenge, session, scope: "erase", consentPage: html => renewing = html);
        Assert.NotNull(renewing);
        Assert.Contains("already allowed, renewed", renewing, StringComparison.Ordinal);
        Assert.Contains("<code>files</code>", renewing, StringComparison.Ordinal);
        consent = await _gw.Gateway.Host.Services.GetRequiredService<InteractiveGrants>().GetConsentAsync("demo", _gw.Provider.Issuer, "alice", InteractiveGateway.ClientId, CancellationToken.None);
        Assert.Equal(["files", "erase"], consent!.Scopes);
    }

    /// <summary>Rewrites the bundle with <paramref name="change"/> (which must change it) and reloads it.</summary>
    private async Task ReloadAsync(Func<string, string> change)
    {
        var before = await File.ReadAllTextAsync(_gw.Gateway.Bundle.MainFile);
        Assert.NotEqual(before, change(before));
        _gw.Gateway.Bundle.Rewrite(change);
        Assert.Empty(await _gw.Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
    }

    private Task<HttpResponseMessage> CallToolAsync(string token, string tool, string arguments) => _gw.CallToolAsync(token, tool, arguments);
}
