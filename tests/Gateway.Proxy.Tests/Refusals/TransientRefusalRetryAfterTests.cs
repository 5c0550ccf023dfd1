using System.Net;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Respond;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy.Tests.Refusals;

/// <summary>
/// A refusal that a short wait cures (the state store's outage, no healthy destination) says how long to wait: a
/// <c>Retry-After</c> the client honours, so an official provider client is told <c>x-should-retry: true</c>.
/// </summary>
public sealed class TransientRefusalRetryAfterTests
{
    [Fact]
    public void StoreUnavailable_AsksForARetryInTwoSeconds() =>
        Assert.Equal(TimeSpan.FromSeconds(2), Refusal.StoreUnavailable().RetryAfter);

    [Fact]
    public void RefusalFor_StoreOutageEscapingAnEndpoint_AsksForARetryInTwoSeconds()
    {
        var refusal = DependencyFailures.RefusalFor(new StateStoreUnavailableException("Injected: the store went down."));

        Assert.Equal((StatusCodes.Status503ServiceUnavailable, ProblemCodes.StoreUnavailable), (refusal!.Status, refusal.Code));
        Assert.Equal(TimeSpan.FromSeconds(2), refusal.RetryAfter);
    }

    [Fact]
    public void ForwardingFailure_NoHealthyDestination_AsksForARetryInFiveSeconds()
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IForwarderErrorFeature>(new ForwarderFailed(ForwarderError.NoAvailableDestinations));

        var refusal = OutcomeRecorder.ForwardingFailure(context);

        Assert.Equal((StatusCodes.Status503ServiceUnavailable, ProblemCodes.UpstreamUnavailable), (refusal!.Status, refusal.Code));
        Assert.Equal(TimeSpan.FromSeconds(5), refusal.RetryAfter);
    }

    [Fact]
    public async Task RunEvent_StoreFailsReadingTheRun_Is503WithRetryAfterTwoSeconds()
    {
        var failing = 0;
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => InterceptedStateStore.Wrap(store, (called, args, call) =>
                Volatile.Read(ref failing) == 1 && called.Name == nameof(IStateStore.GetManyAsync) && args is [IReadOnlyList<string> { Count: > 0 } keys, ..]
                    && keys[0].Contains(":run:", StringComparison.Ordinal)
                    ? ValueTask.FromException<IReadOnlyList<string?>>(new StateStoreUnavailableException("Injected: the store went down."))
                    : call()))));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        Volatile.Write(ref failing, 1);

        using var response = await RunCalls.EventAsync(gw.Agent, run, "step", "read a contact");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.StoreUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Equal(2, problem.GetProperty("retry_after_seconds").GetInt32());
    }

    /// <summary>YARP's record of a forwarding that failed with <paramref name="error"/>.</summary>
    private sealed class ForwarderFailed(ForwarderError error) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception => null;
    }
}
