namespace Gateway.Proxy.Console;

/// <summary>
/// One console user as <c>GET /admin/v1/tenants/{tenant}/console-users</c> lists them: the subject and the issuer that
/// signed them in (null for a subject an earlier version listed alone), the person and roles of a live session (null when
/// none is live), whether suspended, and how many sessions are live.
/// </summary>
internal sealed record ConsoleUserInfo(string Subject, string? Issuer, string? Person, IReadOnlyList<string>? Roles, bool Suspended, int Sessions);
