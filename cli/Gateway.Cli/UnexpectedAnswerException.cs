namespace Gateway.Cli;

/// <summary>
/// A successful answer that is not what gatewayctl expects of the route (not JSON, or JSON of another shape: an older or
/// foreign server, a proxy's page): <c>unexpected_answer</c>, exit 7, never a stack trace nor a verdict read from it.
/// </summary>
internal sealed class UnexpectedAnswerException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Whether <paramref name="exception"/> is what reading an answer of another shape throws (a member missing or of another kind).</summary>
    public static bool IsShapeError(Exception exception) =>
        exception is UnexpectedAnswerException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or IndexOutOfRangeException
            or System.Text.Json.JsonException;
}
