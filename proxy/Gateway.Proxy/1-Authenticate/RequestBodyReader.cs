using System.IO.Pipelines;
using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using System.Runtime.CompilerServices;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Reads a request body completely, bounded in size and in time, so that its exact bytes can be
/// hashed for the signature and then forwarded unchanged. A slow or broken body is an outcome, never
/// an exception (a 408 or 400 refusal, not a 500).
/// </summary>
internal static class RequestBodyReader
{
    /// <summary>What happened when the body was read.</summary>
    public enum Outcome
    {
        Complete,
        TooLarge,
        TimedOut,

        /// <summary>The body's framing is broken (Kestrel refused it, e.g. bad chunking).</summary>
        Malformed,
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(Outcome Outcome, byte[] Body)> ReadAsync(HttpContext context, long maxBytes, TimeSpan timeout)
    {
        var request = context.Request;
        if (request.ContentLength is { } declared && declared > maxBytes)
        {
            return (Outcome.TooLarge, []);
        }

        if (request.ContentLength == 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return (Outcome.Complete, []);
        }

        var reader = request.BodyReader;
        try
        {
            // A small body usually arrived with its headers: taken as it is, with no timer or linked source for it.
            if (reader.TryRead(out var ready))
            {
                if (Taken(reader, ready, maxBytes) is { } outcome)
                {
                    return outcome;
                }
            }
        }
        catch (BadHttpRequestException ex)
        {
            return (Refused(ex), []);
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeoutSource.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(timeoutSource.Token).ConfigureAwait(false);
                if (Taken(reader, result, maxBytes) is { } outcome)
                {
                    return outcome;
                }
            }
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            return (Outcome.TimedOut, []);
        }
        catch (BadHttpRequestException ex)
        {
            return (Refused(ex), []);
        }
    }

    // The body once the read holds all of it (or too much); null while more is to come (nothing consumed yet: the next
    // read returns what this one did and more).
    private static (Outcome Outcome, byte[] Body)? Taken(PipeReader reader, ReadResult result, long maxBytes)
    {
        var buffer = result.Buffer;
        if (buffer.Length > maxBytes)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            return (Outcome.TooLarge, []);
        }

        if (result.IsCompleted)
        {
            var body = buffer.ToArray();
            reader.AdvanceTo(buffer.End);
            return (Outcome.Complete, body);
        }

        reader.AdvanceTo(buffer.Start, buffer.End);
        return null;
    }

    // Kestrel's own limits: a body arriving under the minimum data rate (408), over MaxRequestBodySize (413).
    private static Outcome Refused(BadHttpRequestException refused) => refused.StatusCode switch
    {
        StatusCodes.Status408RequestTimeout => Outcome.TimedOut,
        StatusCodes.Status413PayloadTooLarge => Outcome.TooLarge,
        _ => Outcome.Malformed,
    };
}
