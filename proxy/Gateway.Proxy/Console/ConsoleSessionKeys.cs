namespace Gateway.Proxy.Console;

/// <summary>
/// The store keys of the console's sessions and their indexes. A console user is an issuer and a subject, and a provider
/// session (<c>sid</c>) is its issuer's, so every index names both; the keys an earlier version wrote by subject or
/// <c>sid</c> alone (<c>SubjectOnly</c>, <c>SidOnly</c>) are only read, so that what it recorded still holds.
/// </summary>
internal static class ConsoleSessionKeys
{
    public static string Session(string id) => "console:session:" + ConsoleSessions.Hash(id);

    /// <summary>The set of the session keys of one user (issuer and subject).</summary>
    public static string UserSessions(string tenant, string issuer, string subject) => "console:user-sessions:" + tenant + ":" + Pair(issuer, subject);

    /// <summary>The set of the session keys of a subject, as an earlier version listed them (any issuer).</summary>
    public static string SubjectOnlySessions(string tenant, string subject) => "console:person:" + tenant + ":" + ConsoleSessions.Hash(subject);

    /// <summary>The tenant's console users (<see cref="Gateway.Admin.Tokens.ConsolePersonSuspensions.Member"/>), for the listing.</summary>
    public static string Users(string tenant) => "console:users:" + tenant;

    /// <summary>The tenant's console users by subject alone, as an earlier version listed them.</summary>
    public static string SubjectOnlyUsers(string tenant) => "console:people:" + tenant;

    /// <summary>The set of the session keys of one provider session.</summary>
    public static string SidSessions(string tenant, string issuer, string sid) => "console:sid-sessions:" + tenant + ":" + Pair(issuer, sid);

    /// <summary>The set of the session keys of a <c>sid</c>, as an earlier version listed them (any issuer).</summary>
    public static string SidOnlySessions(string tenant, string sid) => "console:sid:" + tenant + ":" + ConsoleSessions.Hash(sid);

    /// <summary>The mark of a provider session a back-channel logout ended.</summary>
    public static string EndedSid(string tenant, string issuer, string sid) => "console:sid-ended-at:" + tenant + ":" + Pair(issuer, sid);

    /// <summary>The mark of an ended <c>sid</c>, as an earlier version wrote it (any issuer).</summary>
    public static string SidOnlyEnded(string tenant, string sid) => "console:sid-ended:" + tenant + ":" + ConsoleSessions.Hash(sid);

    /// <summary>The subjects a provider session signed in, kept as long as anything started from it can act.</summary>
    public static string SidSubjects(string tenant, string issuer, string sid) => "console:sid-subjects:" + tenant + ":" + Pair(issuer, sid);

    private static string Pair(string issuer, string value) => ConsoleSessions.Hash(issuer) + ":" + ConsoleSessions.Hash(value);
}
