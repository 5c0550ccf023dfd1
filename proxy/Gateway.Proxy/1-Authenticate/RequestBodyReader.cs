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

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeoutSource.CancelAfter(timeout);
        var reader = request.BodyReader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(timeoutSource.Token).ConfigureAwait(false);
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

                // Consume nothing yet: ask for more until the whole body is buffered.
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            return (Outcome.TimedOut, []);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own limits: a body arriving under the minimum data rate (408), over MaxRequestBodySize (413).
            return (ex.StatusCode switch
            {
                StatusCodes.Status408RequestTimeout => Outcome.TimedOut,
                StatusCodes.Status413PayloadTooLarge => Outcome.TooLarge,
                _ => Outcome.Malformed,
            }, []);
        }
    }
}
