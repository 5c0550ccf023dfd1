using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// A real OTLP/HTTP receiver on Kestrel (127.0.0.1, free port): accepts <c>POST /v1/traces</c>,
/// <c>/v1/metrics</c> and <c>/v1/logs</c> as <c>application/x-protobuf</c>, answers with an empty
/// export response, and decodes what it got with <see cref="OtlpDecoder"/>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>The base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it ("http://127.0.0.1:port").</summary>
    public Uri Endpoint { get; }

    public ConcurrentQueue<OtlpSpan> Spans { get; } = new();

    public ConcurrentQueue<OtlpMetric> Metrics { get; } = new();

    public ConcurrentQueue<OtlpLogRecord> Logs { get; } = new();

    /// <summary>Requests refused by the receiver (wrong method, content type, undecodable body).</summary>
    public ConcurrentQueue<string> Problems { get; } = new();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        OtlpReceiver? receiver = null;
        app.MapPost("/v1/{signal}", async (Microsoft.AspNetCore.Http.HttpContext context, string signal) =>
        {
            if (context.Request.ContentType is not "application/x-protobuf")
            {
                receiver!.Problems.Enqueue($"{signal}: content type {context.Request.ContentType}");
                return Microsoft.AspNetCore.Http.Results.StatusCode(Microsoft.AspNetCore.Http.StatusCodes.Status415UnsupportedMediaType);
            }

            var body = await ReadBodyAsync(context.Request).ConfigureAwait(false);
            try
            {
                switch (signal)
                {
                    case "traces":
                        foreach (var span in OtlpDecoder.DecodeTraces(body))
                        {
                            receiver!.Spans.Enqueue(span);
                        }

                        break;
                    case "metrics":
                        foreach (var metric in OtlpDecoder.DecodeMetrics(body))
                        {
                            receiver!.Metrics.Enqueue(metric);
                        }

                        break;
                    case "logs":
                        foreach (var log in OtlpDecoder.DecodeLogs(body))
                        {
                            receiver!.Logs.Enqueue(log);
                        }

                        break;
                    default:
                        return Microsoft.AspNetCore.Http.Results.NotFound();
                }
            }
            catch (FormatException ex)
            {
                receiver!.Problems.Enqueue($"{signal}: {ex.Message}");
                return Microsoft.AspNetCore.Http.Results.BadRequest();
            }

            // An empty Export*ServiceResponse: full success.
            return Microsoft.AspNetCore.Http.Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new OtlpReceiver(app, new Uri(address));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadBodyAsync(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        using var buffer = new MemoryStream();
        if (string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            await using var gzip = new GZipStream(request.Body, CompressionMode.Decompress);
            await gzip.CopyToAsync(buffer).ConfigureAwait(false);
        }
        else
        {
            await request.Body.CopyToAsync(buffer).ConfigureAwait(false);
        }

        return buffer.ToArray();
    }
}
