using System.Net;
using TestServer = Gateway.Testing.KestrelUpstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Refusals;

/// <summary>
/// A parameter the framework cannot bind, in the Development environment (where minimal APIs would
/// otherwise throw), comes out as the gateway's 400 problem: the registration the gateway uses
/// (<c>AddGatewayProblemDetails</c>), on Kestrel, with an endpoint that binds a number.
/// </summary>
public sealed class ProblemDetailsWriterTests : IAsyncLifetime
{
    private TestServer _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _app = await TestServer.StartAsync(
            static app =>
            {
                app.UseMiddleware<RequestIdMiddleware>();
                app.UseExceptionHandler();
                app.UseStatusCodePages();
                app.MapGet("/items", static (int limit) => Results.Ok(limit));
            },
            static builder =>
            {
                builder.Environment.EnvironmentName = Environments.Development;
                builder.Services.AddGatewayProblemDetails();
            });
        _http = new HttpClient { BaseAddress = _app.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Binding_NotANumber_Is400BadRequestProblem()
    {
        using var response = await _http.GetAsync("/items?limit=many");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "bad_request");
        Assert.DoesNotContain("many", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binding_Missing_Is400BadRequestProblem()
    {
        using var response = await _http.GetAsync("/items");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "bad_request");
    }
}
