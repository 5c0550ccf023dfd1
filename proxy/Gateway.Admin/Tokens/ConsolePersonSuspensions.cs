using System.Security.Cryptography;
using System.Text;
using Gateway.Store;

namespace Gateway.Admin.Tokens;

/// <summary>
/// The console's suspensions of people, in the shared state store, read on every use (no cache). A console user is an
/// issuer and a subject: the tenant's OpenID provider and its <c>sub</c>, or <c>admin-token</c> and <c>admin-token:&lt;name&gt;</c>
/// for a Development admin-token sign-in, so that the same <c>sub</c> at another provider (a tenant that moved to a new one)
/// or at the admin-token page is another user. Each user is remembered under the register person it signed in as, so that
/// a token bound to that person (an approver token) stops acting as them while any of their users is suspended.
/// A mark written before marks named the issuer (<see cref="SubjectOnlyKey"/>) names only the subject: it is read as
/// suspending that subject at every issuer (the fail-closed reading), until a resume of the subject at any issuer lifts it.
/// Likewise a subject remembered under a person before members named the issuer is suspended by a mark at any issuer.
/// </summary>
public static class ConsolePersonSuspensions
{
    /// <summary>The mark of a suspended console user of <paramref name="tenant"/>: its issuer and subject, hashed.</summary>
    public static string SuspendedKey(string tenant, string issuer, string subject) => "console:suspended-at:" + tenant + ":" + Hash(issuer) + ":" + Hash(subject);

    /// <summary>The mark as it was written before marks named the issuer: the subject alone, hashed (read, and removed on resume; never written).</summary>
    public static string SubjectOnlyKey(string tenant, string subject) => "console:suspended:" + tenant + ":" + Hash(subject);

    /// <summary>The set of the console users (<see cref="Member"/>) that signed in as <paramref name="person"/> of <paramref name="tenant"/>.</summary>
    public static string UsersKey(string tenant, string person) => "console:person-users:" + tenant + ":" + Hash(person);

    /// <summary>The set of the subjects alone that signed in as the person before members named the issuer (read only).</summary>
    public static string SubjectOnlyUsersKey(string tenant, string person) => "console:person-subjects:" + tenant + ":" + Hash(person);

    /// <summary>The issuers at which <paramref name="subject"/> was ever suspended: where to look for a subject remembered alone.</summary>
    public static string SuspendedIssuersKey(string tenant, string subject) => "console:suspended-issuers:" + tenant + ":" + Hash(subject);

    /// <summary>A console user as a set member: the issuer, a line feed, the subject (an issuer holds no control character).</summary>
    public static string Member(string issuer, string subject) => issuer + "\n" + subject;

    /// <summary>The issuer and subject of a <see cref="Member"/>.</summary>
    public static (string Issuer, string Subject) ParseMember(string member)
    {
        ArgumentNullException.ThrowIfNull(member);
        var split = member.IndexOf('\n', StringComparison.Ordinal);
        return split < 0 ? (string.Empty, member) : (member[..split], member[(split + 1)..]);
    }

    /// <summary>Whether <paramref name="issuer"/> can name a console user's issuer: 1 to 2,048 characters, none a control character.</summary>
    public static bool IsIssuer(string? issuer) => issuer is { Length: > 0 and <= 2048 } && !issuer.Any(char.IsControl);

    /// <summary>Suspends the user (<paramref name="issuer"/>, <paramref name="subject"/>) of <paramref name="tenant"/>, kept until resumed.</summary>
    public static async ValueTask SuspendAsync(IKeyValueStore store, string tenant, string issuer, string subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.SetAddAsync(SuspendedIssuersKey(tenant, subject), issuer, expiry: null, cancellationToken).ConfigureAwait(false);
        await store.SetAsync(SuspendedKey(tenant, issuer, subject), "1", expiry: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resumes the user, and lifts a mark of its subject written before marks named the issuer.</summary>
    public static async ValueTask ResumeAsync(IKeyValueStore store, string tenant, string issuer, string subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.DeleteAsync(SuspendedKey(tenant, issuer, subject), cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync(SubjectOnlyKey(tenant, subject), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the user is suspended (its own mark, or a mark of its subject alone).</summary>
    public static async ValueTask<bool> IsSuspendedAsync(IKeyValueStore store, string tenant, string issuer, string subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var marks = await store.GetManyAsync([SuspendedKey(tenant, issuer, subject), SubjectOnlyKey(tenant, subject)], cancellationToken).ConfigureAwait(false);
        return marks.Any(static mark => mark is not null);
    }

    /// <summary>Remembers that the user signed in as <paramref name="person"/> (kept: a suspension may come at any time).</summary>
    public static async ValueTask RememberAsync(IKeyValueStore store, string tenant, string issuer, string subject, string person, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.SetAddAsync(UsersKey(tenant, person), Member(issuer, subject), expiry: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when a console user who signed in as <paramref name="person"/> of <paramref name="tenant"/> is suspended.</summary>
    public static async ValueTask<bool> IsPersonSuspendedAsync(IKeyValueStore store, string tenant, string person, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var keys = new List<string>();
        foreach (var member in await store.SetMembersAsync(UsersKey(tenant, person), cancellationToken).ConfigureAwait(false))
        {
            var (issuer, subject) = ParseMember(member);
            keys.Add(SuspendedKey(tenant, issuer, subject));
            keys.Add(SubjectOnlyKey(tenant, subject));
        }

        // A subject remembered alone is this person's at whichever issuer it was: a mark at any of them suspends them.
        foreach (var subject in await store.SetMembersAsync(SubjectOnlyUsersKey(tenant, person), cancellationToken).ConfigureAwait(false))
        {
            keys.Add(SubjectOnlyKey(tenant, subject));
            keys.AddRange((await store.SetMembersAsync(SuspendedIssuersKey(tenant, subject), cancellationToken).ConfigureAwait(false))
                .Select(issuer => SuspendedKey(tenant, issuer, subject)));
        }

        return keys.Count > 0 && (await store.GetManyAsync(keys, cancellationToken).ConfigureAwait(false)).Any(static mark => mark is not null);
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
