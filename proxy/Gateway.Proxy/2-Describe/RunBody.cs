using Gateway.Connectors.Detection;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>A run's records never hold a body beyond its bound (<c>Gateway:Runs:MaxEventBytes</c>), nor secret material: the body's refusal, not recorded.</summary>
internal static class RunBody
{
    /// <summary>The refusal of <paramref name="body"/>, or null when it may be read.</summary>
    public static Refusal? RefusalOf(ReadOnlyMemory<byte> body, int maxBytes)
    {
        if (body.Length > maxBytes)
        {
            return new Refusal(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, $"The body exceeds {maxBytes} bytes.");
        }

        return !body.IsEmpty && SecretMaterialDetector.Scan(body.Span) is [var finding, ..]
            ? new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.SecretMaterialInPayload,
                $"The body carries secret material ({finding.KindName} at {finding.Path}); a run's records never hold one.")
            : null;
    }

    /// <summary>The 400 of a body that does not read (<paramref name="error"/> says why).</summary>
    public static Refusal Malformed(string? error) => new(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, error);
}
