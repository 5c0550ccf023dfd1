using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using KestrelUpstream = Gateway.Proxy.Tests.Infrastructure.KestrelUpstream;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// An upstream's answer on the provider route that the redactor refuses (a media type, charset or encoding it cannot read,
/// bytes that are not text): before anything of it was sent, the agent gets a clean 502 with the redactor's code
/// (<c>response_uninspectable</c>), never an aborted connection; once a stream has begun the connection is still aborted.
/// Either way the outcome is recorded (invoked, 502) with the redactor's refusal, not an upstream failure's.
/// </summary>
public sealed class ProviderUninspectableAnswerTests : IClassFixture<ProviderUninspectableAnswerTests.Fixture>
{
    private const string Uninspectable = "response_uninspectable";

    /// <summary>What each answer carries: none of it may reach the agent.</summary>
    private const string Marker = "marker-of-the-upstream-answer";

    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    private readonly Fixture _fixture;

    public ProviderUninspectableAnswerTests(Fixture fixture) => _fixture = fixture;

    private GovernedGateway Gw => _fixture.Gateway;

    [Theory]
    [InlineData("image")]
    [InlineData("binary")]
    [InlineData("invalid-utf8")]
    [InlineData("windows-1252")]
    [InlineData("utf16-json")]
    [InlineData("encoding")]
    public async Task Providers_AnswerTheRedactorRefusesBeforeAnyByteIsSent_Is502WithItsCodeAndRecorded(string mode)
    {
        using var refusals = Refusals();

        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Get, "/providers/answers/" + mode));
        var body = await response.Content.ReadAsStringAsync();

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, Uninspectable);
        Assert.DoesNotContain(Marker, body, StringComparison.Ordinal);
        var outcome = await OutcomeAsync(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.True(outcome.GetProperty("invoked").GetBoolean());
        Assert.Equal(200, outcome.GetProperty("upstream_status").GetInt32());
        Assert.Equal(502, outcome.GetProperty("status_code").GetInt32());
        await AssertRefusalRecordedAsync(refusals);
    }

    [Fact]
    public async Task Providers_StreamTheRedactorRefusesAfterItsFirstEvent_IsAbortedWithItsRefusalRecorded()
    {
        using var refusals = Refusals();
        _fixture.Release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Get, "/providers/answers/stream"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line && !line.Contains("\"step\":1", StringComparison.Ordinal))
        {
        }

        // The first event reached the agent; the next one is not text the redactor can read.
        _fixture.Release.SetResult();
        await Assert.ThrowsAnyAsync<IOException>(() => reader.ReadToEndAsync());

        var outcome = await OutcomeAsync(requestId);
        Assert.True(outcome.GetProperty("invoked").GetBoolean());
        Assert.Equal(502, outcome.GetProperty("status_code").GetInt32());
        await AssertRefusalRecordedAsync(refusals);
    }

    private InstrumentTagListener<long> Refusals() =>
        new(Gw.Host.Services.GetRequiredService<IMeterFactory>(), "gateway.requests.refused", "code");

    private static async Task AssertRefusalRecordedAsync(InstrumentTagListener<long> refusals)
    {
        await Eventually.HoldsAsync(() => refusals.Values.Contains(Uninspectable), GiveUp,
            () => $"refusals recorded: [{string.Join(", ", refusals.Values)}], not {Uninspectable}");
        Assert.DoesNotContain("upstream_unavailable", refusals.Values);
    }

    private async Task<JsonElement> OutcomeAsync(string requestId)
    {
        var records = await Eventually.ReturnsAsync(
            () => Gw.AuditRecordsAsync(requestId),
            static found => found.Count == 2, GiveUp, found => $"{found?.Count} records of the request, no outcome after the decision");
        return records[1];
    }

    /// <summary>The gateway with one HTTP connector, <c>answers</c>, whose upstream answers what the redactor refuses.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private KestrelUpstream _upstream = null!;

        public GovernedGateway Gateway { get; private set; } = null!;

        /// <summary>Lets the stream's upstream send its unreadable event once the agent has read the first.</summary>
        public TaskCompletionSource Release { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task InitializeAsync()
        {
            _upstream = await KestrelUpstream.StartAsync(app => app.MapGet("/answers/{mode}", (HttpContext context, string mode) => AnswerAsync(context, mode)));
            Gateway = await GovernedGateway.StartAsync(text => text
                .Replace("catalog:\n", $$"""
                    catalog:
                      - { name: answers, kind: http, action_type: read, target_system: answers, upstream: "{{_upstream.Origin}}/answers", credential: "vault:tickets-token", http: { method: GET, path: "/{mode}", args: query }, input_schema: { type: object, properties: { mode: { type: string } }, required: [mode] } }

                    """.Replace("\r", string.Empty), StringComparison.Ordinal)
                .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: answers }\n", StringComparison.Ordinal));
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await _upstream.DisposeAsync();
        }

        private async Task AnswerAsync(HttpContext context, string mode)
        {
            var response = context.Response;
            var text = Encoding.UTF8.GetBytes("card 4111 1111 1111 1111 " + Marker);
            switch (mode)
            {
                case "image":
                    // A media type redaction cannot read.
                    response.ContentType = "image/png";
                    await response.Body.WriteAsync(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }.Concat(text).ToArray());
                    return;
                case "binary":
                    // Typed as bytes, and not text: a NUL byte.
                    response.ContentType = "application/octet-stream";
                    await response.Body.WriteAsync(text.Concat(new byte[] { 0, 1, 2 }).ToArray());
                    return;
                case "invalid-utf8":
                    // Declared UTF-8, with a byte of another charset (0xA0, a no-break space in windows-1252) in the card number.
                    response.ContentType = "text/plain; charset=utf-8";
                    await response.Body.WriteAsync(new byte[] { 0xA0 }.Concat(text).ToArray());
                    return;
                case "windows-1252":
                    // A charset the redactor does not read.
                    response.ContentType = "text/plain; charset=windows-1252";
                    await response.Body.WriteAsync(text);
                    return;
                case "utf16-json":
                    // JSON, read whole before anything is sent, in UTF-16 with no charset declared.
                    response.ContentType = "application/json";
                    await response.Body.WriteAsync(Encoding.Unicode.GetBytes(JsonSerializer.Serialize(new { note = Marker })));
                    return;
                case "encoding":
                    // An encoding the gateway cannot decode for redaction.
                    response.ContentType = "text/plain";
                    response.Headers.ContentEncoding = "zstd";
                    await response.Body.WriteAsync(text);
                    return;
                default:
                    // An event stream whose first event is sent, and whose next is not text (a NUL byte).
                    response.ContentType = "text/event-stream";
                    await response.WriteAsync("data: {\"step\":1}\n\n");
                    await response.Body.FlushAsync();
                    await Release.Task.WaitAsync(GiveUp);
                    await response.Body.WriteAsync(Encoding.UTF8.GetBytes("data: {\"step\":2,\"note\":\"\0" + Marker + "\"}\n\n"));
                    return;
            }
        }
    }
}
