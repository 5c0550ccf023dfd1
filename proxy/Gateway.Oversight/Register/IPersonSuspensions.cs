namespace Gateway.Oversight.Register;

/// <summary>
/// Whether a person of a tenant's register is suspended now (the host's answer: a console user of theirs suspended), read on
/// every use; an approval counts no vote of a suspended person until they are resumed.
/// </summary>
public interface IPersonSuspensions
{
    /// <summary>True while <paramref name="person"/> of <paramref name="tenant"/> is suspended.</summary>
    ValueTask<bool> IsPersonSuspendedAsync(string tenant, string person, CancellationToken cancellationToken = default);
}
