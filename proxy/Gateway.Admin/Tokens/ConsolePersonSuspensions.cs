using System.Security.Cryptography;
using System.Text;
using Gateway.Store;

namespace Gateway.Admin.Tokens;

/// <summary>
/// The console's suspensions of people, as the admin API reads them: a suspension marks a console user (the provider's
/// subject), and each subject is remembered under the register person it signed in as, so that a token bound to that
/// person (an approver token) stops acting as them while any of their subjects is suspended (read on every use, no cache).
/// </summary>
public static class ConsolePersonSuspensions
{
    /// <summary>The mark of a suspended console user of <paramref name="tenant"/> (its subject hashed).</summary>
    public static string SuspendedKey(string tenant, string subject) => "console:suspended:" + tenant + ":" + Hash(subject);

    /// <summary>The set of the console subjects that signed in as <paramref name="person"/> of <paramref name="tenant"/>.</summary>
    public static string SubjectsKey(string tenant, string person) => "console:person-subjects:" + tenant + ":" + Hash(person);

    /// <summary>Remembers that <paramref name="subject"/> signed in as <paramref name="person"/> (kept: a suspension may come at any time).</summary>
    public static async ValueTask RememberAsync(IKeyValueStore store, string tenant, string subject, string person, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.SetAddAsync(SubjectsKey(tenant, person), subject, expiry: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when a console user who signed in as <paramref name="person"/> of <paramref name="tenant"/> is suspended.</summary>
    public static async ValueTask<bool> IsPersonSuspendedAsync(IKeyValueStore store, string tenant, string person, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var subjects = await store.SetMembersAsync(SubjectsKey(tenant, person), cancellationToken).ConfigureAwait(false);
        if (subjects.Count == 0)
        {
            return false;
        }

        var marks = await store.GetManyAsync([.. subjects.Select(subject => SuspendedKey(tenant, subject))], cancellationToken).ConfigureAwait(false);
        return marks.Any(static mark => mark is not null);
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
