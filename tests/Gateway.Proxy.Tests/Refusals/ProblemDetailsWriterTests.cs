using System.Net;
using TestServer = Gateway.Testing.KestrelUpstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Refusals;

/// <summary>
/// A parameter the framework cannot bind, in the Development environment (where minimal APIs would
/// otherwise throw), comes out as the gateway's 400 problem: the registration the gateway uses
/// (<c>AddGatewayProblemDetails</c>), on Kestrel, with an endpoint that binds a number; and a body the server refuses
/// while an endpoint reads it is its own 4xx problem, never a 500.
/// </summary>
public sealed class ProblemDetailsWriterTests : IAsyncLifetime
{
    private readonly FakeLogCollector _logs = new();
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
                app.MapPost("/body", static async (HttpContext context) =>
                {
                    await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                    return Results.Ok();
                });
            },
            builder =>
            {
                builder.Environment.EnvironmentName = Environments.Development;
                builder.Logging.AddProvider(new FakeLoggerProvider(_logs));
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

    [Fact]
    public async Task BodyRead_BadChunkSize_Is400MalformedBodyProblemNotLoggedAsError()
    {
        await using var connection = await RawHttpConnection.OpenAsync(_app.BaseUri);
        await connection.WriteBodyAsync(System.Text.Encoding.ASCII.GetBytes(
            "POST /body HTTP/1.1\r\nHost: " + _app.BaseUri.Authority + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"));

        var answer = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"malformed_body\"", answer, StringComparison.Ordinal);
        var errors = _logs.GetSnapshot().Where(static r => r.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, LoggedText.Of(errors));
    }
}
