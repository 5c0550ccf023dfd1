namespace Gateway.Proxy.Console;

/// <summary>What a sign-in step gave: a redirect (and the session, once signed in), or a refusal's status, stable code and message.</summary>
internal sealed record ConsoleOutcome(string? Location, ConsoleSession? Session, int Status, string? Code, string? Message)
{
    public static ConsoleOutcome Redirect(string location, ConsoleSession? session = null) => new(location, session, StatusCodes.Status302Found, null, null);

    public static ConsoleOutcome Refused(int status, string code, string message) => new(null, null, status, code, message);
}
