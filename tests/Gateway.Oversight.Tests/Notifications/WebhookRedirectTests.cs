using Gateway.Oversight.Incidents;
using Gateway.Oversight.Notifications;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Oversight.Tests.Notifications;

/// <summary>
/// The approval and incident webhooks post to the URL the operator configured only: a receiver's redirect (to a metadata
/// address, another host) is not followed, so the body and its signature go nowhere else.
/// </summary>
public sealed class WebhookRedirectTests
{
    [Theory]
    [InlineData(WebhookApprovalChannel.HttpClientName)]
    [InlineData(IncidentNotifier.HttpClientName)]
    public async Task Post_ReceiverRedirectsElsewhere_NotFollowed(string clientName)
    {
        var reachedElsewhere = 0;
        await using var elsewhere = await KestrelUpstream.StartAsync(app => app.Map("/{**rest}", () =>
        {
            Interlocked.Increment(ref reachedElsewhere);
            return Results.Ok();
        }));
        await using var receiver = await KestrelUpstream.StartAsync(app =>
            app.MapPost("/hook", () => Results.Redirect(elsewhere.At("collect").ToString(), permanent: false, preserveMethod: true)));
        var configuration = new ConfigurationBuilder().Build();
        await using var services = new ServiceCollection().AddLogging().AddGatewayOversight(configuration).AddApprovalNotifications(configuration).BuildServiceProvider();

        using var response = await services.GetRequiredService<IHttpClientFactory>().CreateClient(clientName)
            .PostAsync(receiver.At("hook"), new StringContent("{\"event\":\"approval.created\"}"));

        Assert.Equal(System.Net.HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(0, Volatile.Read(ref reachedElsewhere));
    }
}
