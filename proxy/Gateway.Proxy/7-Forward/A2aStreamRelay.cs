using System.Buffers;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;
using Gateway.Oversight;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Forward;

/// <summary>
/// A streamed A2A request (<c>SendStreamingMessage</c>, <c>SubscribeToTask</c> and their 0.3 names) whose remote agent
/// answers with an event stream: each event that carries the JSON-RPC reply to the gateway's id is passed on to the
/// caller as it arrives, under the caller's id (without what only the gateway may say, <see cref="A2aRemoteAnswer"/>),
/// the response becoming an event stream at the first. Each is redacted by
/// the provider route's streamed redactor of a stream of whole JSON-RPC messages (<see cref="SseBodyRedactor"/> without
/// hold-back, as <see cref="McpProgressRelay"/> redacts an MCP server's messages), read for its id before redaction; the
/// task it names is recorded as the caller's before it is passed on (<see cref="ForwardPlan"/> says why),
/// and the task state it shows kept for the Respond stage to record. What the stream carries counts against the connector's
/// <c>max_response_bytes</c>: a stream beyond it, an event larger than it, a stream that breaks or times out, and a task
/// whose owner cannot be kept end the relay with a refusal (nothing more is passed on), as does any other failure of the
/// relay, which the Respond stage records and writes as the stream's last event, a JSON-RPC error. An event whose data is not
/// one JSON value (a comment, a keep-alive, a value with bytes after it) is no reply and is not passed on.
/// </summary>
internal static class A2aStreamRelay
{
    private const int ChunkBytes = 16 * 1024;

    /// <summary>Relays <paramref name="content"/>; returns the record of what was relayed (and the refusal that ended it).</summary>
    public static async Task<UpstreamResponse> RelayAsync(HttpContext context, HttpContent content, int status, ForwardPlan plan, CancellationToken cancellationToken)
    {
        var callerId = context.GatewayRequest().JsonRpcId!;
        var gatewayId = plan.Envelope!.JsonRpcId!;
        var limit = plan.MaxResponseBytes;
        var maxEventBytes = (int)Math.Min(limit, int.MaxValue);
        var framer = new SseFramer(maxEventBytes, $"An event of the remote agent's stream is larger than {maxEventBytes} bytes (max_response_bytes).");
        var redactor = new SseBodyRedactor(plan.Redactions, maxEventBytes, holdSplitValues: false);
        var states = new List<A2aTaskState>();
        var relayed = 0;
        var total = 0L;
        Refusal? refusal = null;
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var read = await stream.ReadAsync(chunk.AsMemory(0, ChunkBytes), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > limit)
                {
                    refusal = UpstreamResponse.TooLarge(limit);
                    break;
                }

                foreach (var reply in Read(framer, chunk.AsSpan(0, read), redactor, gatewayId))
                {
                    if (reply.IsResult && A2aTaskEvents.ContextIdOf(reply.Payload) is { } contextId)
                    {
                        await plan.A2aTasks!.RecordContextAsync(contextId).ConfigureAwait(false);
                    }

                    if (reply.IsResult && A2aTaskEvents.TaskIdOf(reply.Payload) is { } taskId)
                    {
                        // Durable before the event naming it is passed on: the exception ForwardPlan states.
                        await plan.A2aTasks!.RecordAsync(taskId).ConfigureAwait(false);

                        if (A2aTaskEvents.StateOf(reply.Payload) is { } state)
                        {
                            states.Add(state);
                        }
                    }

                    await WriteAsync(context.Response, callerId, reply, cancellationToken).ConfigureAwait(false);
                    relayed++;
                }
            }
        }
        catch (InvalidDataException ex)
        {
            // An event beyond the limit (or one the redactor could not read): nothing unredacted is passed on.
            refusal = new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.ResponseTooLarge, ex.Message);
        }
        catch (StateStoreUnavailableException)
        {
            // The task's owner could not be kept: its event is not passed on (the caller could not read the task). The remote
            // agent has the call: no Retry-After, which would invite carrying it out twice.
            refusal = Refusal.StoreUnavailable() with { Detail = "The state store cannot be reached; the request reached the remote agent.", RetryAfter = null };
        }
        catch (OperationCanceledException)
        {
            refusal = context.RequestAborted.IsCancellationRequested
                ? new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The caller went away before the remote agent's stream ended; it was cut.")
                : new Refusal(StatusCodes.Status504GatewayTimeout, ProblemCodes.UpstreamTimeout, "The remote agent's stream did not end in time; it was cut.");
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            refusal = new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The remote agent's stream broke before it ended.");
        }
        catch (Exception)
        {
            // Anything else (an event that redaction left unreadable, say): the stream ends, its outcome and states recorded.
            refusal = new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.ResponseUninspectable, "The remote agent's stream carried an event the gateway could not relay; it was cut.");
        }
        finally
        {
            // It held the upstream's bytes before redaction.
            ArrayPool<byte>.Shared.Return(chunk, clearArray: true);
        }

        if (refusal is null && relayed == 0)
        {
            refusal = new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The remote agent's stream carried no reply to the request.");
        }

        return new UpstreamResponse(status) { A2aStream = new A2aRelayedStream(relayed, states), Refusal = refusal };
    }

    /// <summary>The replies to <paramref name="gatewayId"/> that the chunk completes, each redacted as it stands.</summary>
    private static List<Reply> Read(SseFramer framer, ReadOnlySpan<byte> input, SseBodyRedactor redactor, string gatewayId)
    {
        var found = new List<Reply>();
        while (framer.TryRead(ref input, out var sseEvent))
        {
            if (!sseEvent.Terminated || !sseEvent.HasData || !AnswersId(sseEvent.Data, gatewayId))
            {
                continue;
            }

            using var redacted = JsonDocument.Parse(McpProgressRelay.Redact(sseEvent, redactor));
            var root = redacted.RootElement;
            var isResult = root.TryGetProperty("result"u8, out var result);
            var payload = isResult ? result : root.GetProperty("error"u8);
            found.Add(new Reply(isResult, payload.Clone()));
        }

        return found;
    }

    /// <summary>True when <paramref name="data"/> is a JSON-RPC reply (a <c>result</c> or an <c>error</c> object) to <paramref name="gatewayId"/>.</summary>
    private static bool AnswersId(ReadOnlySpan<byte> data, string gatewayId)
    {
        // Not JSON (a comment or keep-alive event), or JSON with bytes after it: no reply (McpProgressRelay.ParseWhole).
        using var document = McpProgressRelay.ParseWhole(data);
        return document?.RootElement is { ValueKind: JsonValueKind.Object } root
            && root.TryGetProperty("id"u8, out var id) && id.ValueKind == JsonValueKind.String && id.ValueEquals(gatewayId)
            && (root.TryGetProperty("result"u8, out _) || (root.TryGetProperty("error"u8, out var error) && error.ValueKind == JsonValueKind.Object));
    }

    /// <summary>One reply as an event of the caller's stream, under its id; the first makes the response an event stream.</summary>
    private static async Task WriteAsync(HttpResponse response, string callerId, Reply reply, CancellationToken cancellationToken)
    {
        if (!response.HasStarted)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        buffer.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0");
            writer.WritePropertyName("id"u8);
            writer.WriteRawValue(callerId, skipInputValidation: false);
            // Without what only the gateway may say (gamut.dev/… metadata members, its refusal code, a decision).
            if (reply.IsResult)
            {
                writer.WritePropertyName("result"u8);
                A2aRemoteAnswer.WriteResult(writer, reply.Payload);
            }
            else
            {
                writer.WritePropertyName("error"u8);
                A2aRemoteAnswer.WriteError(writer, reply.Payload);
            }

            writer.WriteEndObject();
        }

        buffer.Write("\n\n"u8);
        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <param name="IsResult">A <c>result</c>; else the remote agent's own JSON-RPC <c>error</c>.</param>
    /// <param name="Payload">The result or error, redacted.</param>
    private sealed record Reply(bool IsResult, JsonElement Payload);
}
