using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Refusals;

/// <summary>
/// A refusal the exception handler writes (which clears the response's headers first) still carries <c>X-Request-Id</c>,
/// the same id as its body's <c>request_id</c>: the answer a client most needs to quote.
/// </summary>
public sealed class ExceptionHandlerRequestIdTests
{
    [Fact]
    public async Task ExceptionMidRequest_Is500WithXRequestIdEqualToBodyRequestId()
    {
        var clock = new FrameworkProblemTests.ArmedClock();
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        using var request = gw.Agent.Create(HttpMethod.Post, "/v1/evaluate", """{"tool":"crm.read_contact","args":{"id":"42"}}""");

        clock.Armed = true;
        HttpResponseMessage response;
        try
        {
            response = await gw.Host.Client.SendAsync(request);
        }
        finally
        {
            clock.Armed = false;
        }

        using (response)
        {
            var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError, "internal_error");
            Assert.True(response.Headers.TryGetValues("X-Request-Id", out var ids), "the exception handler's refusal has no X-Request-Id");
            Assert.Equal(problem.GetProperty("request_id").GetString(), Assert.Single(ids));
        }
    }
}
