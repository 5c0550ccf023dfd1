using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Interactive;
using KeptTokenGateway = Gateway.Proxy.Tests.People.Links.PerPersonKeptTokenTests.KeptTokenGateway;

namespace Gateway.Proxy.Tests.People;

/// <summary>
/// A forgetting always wins over a renewal of the person's kept provider tokens in flight: the person's consent is
/// revoked while the provider's answer to the renewal is held; once it answers, the renewed tokens are not written back,
/// the call that renewed asks for the link, and the person's kept tokens stay gone.
/// </summary>
public sealed class KeptProviderTokensTests
{
    private const string ReadFile = """{"text":"a"}""";

    [Fact]
    public async Task Renew_ForgottenWhileTheProviderAnswers_StaysForgotten()
    {
        await using var gw = await KeptTokenGateway.StartAsync();
        var accessToken = await gw.SignInExpiringAsync("rt-provider-alice-1");
        Assert.NotNull(await gw.KeptValueAsync("alice"));
        var renewed = gw.Interactive.Provider.Issue("alice", audience: TestOpenIdProvider.ClientId);
        gw.Interactive.Provider.TokenAnswer = (200, JsonSerializer.Serialize(new { id_token = renewed, refresh_token = "rt-provider-alice-2" }));
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gw.Interactive.Provider.BeforeTokenAnswer = fields =>
        {
            if (fields["grant_type"] != "refresh_token")
            {
                return Task.CompletedTask;
            }

            reached.TrySetResult();
            return released.Task;
        };

        var renewing = gw.Interactive.CallToolAsync(accessToken, "files__read_file", ReadFile);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using (var forgotten = await gw.Interactive.Gateway.Admin().DeleteAsync("/admin/v1/tenants/demo/console-users/alice/consents?client_id=" + InteractiveGateway.ClientId))
        {
            Assert.Equal(HttpStatusCode.NoContent, forgotten.StatusCode);
        }

        Assert.Null(await gw.KeptValueAsync("alice"));
        released.TrySetResult();
        using var answer = await renewing;

        Assert.Single(gw.Interactive.Provider.TokenRequests, r => r["grant_type"] == "refresh_token");
        Assert.Null(await gw.KeptValueAsync("alice"));
        Assert.Contains("upstream_account_not_linked", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(gw.Server.ExchangedSubjectTokens);
    }
}
