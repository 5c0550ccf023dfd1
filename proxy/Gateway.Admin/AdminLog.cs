using Microsoft.Extensions.Logging;

namespace Gateway.Admin;

/// <summary>Every log message of the admin API. No token, secret or credential value is ever a parameter.</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Admin token {Name} of tenant {Tenant} issued with roles {Roles} by {Caller}")]
    public static partial void AdminTokenIssued(ILogger logger, string name, string tenant, string roles, string caller);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Admin token {Name} of tenant {Tenant} revoked by {Caller}")]
    public static partial void AdminTokenRevoked(ILogger logger, string name, string tenant, string caller);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Admin API refused {Method} {Path}: {Code}")]
    public static partial void AdminRefused(ILogger logger, string method, string path, string code);

    [LoggerMessage(EventId = 4082, Level = LogLevel.Warning, Message = "A decision token could not be verified: the state store is unavailable (answered 503, never live)")]
    public static partial void TokenVerificationUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4050, Level = LogLevel.Warning, Message = "Admin token confined to another tenant refused on {Method} {Path} (token {TokenName})")]
    public static partial void AdminCrossTenantRefused(ILogger logger, string method, string path, string tokenName);

    [LoggerMessage(EventId = 4051, Level = LogLevel.Warning, Message = "Admin authentication throttled for source {Source} for {RetryAfterSeconds} s")]
    public static partial void AdminAuthThrottled(ILogger logger, string source, long retryAfterSeconds);
}
