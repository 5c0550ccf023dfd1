namespace Gateway.Store;

/// <summary>
/// The answer to <see cref="IAuditLogStore.TryAppendAdmittingAsync"/>: whether the entries were appended and, only then,
/// each admission's outcome in the order asked (exactly what <see cref="IAdmissionStore.AdmitAsync"/> alone would have
/// answered); empty when not appended (nothing was admitted then).
/// </summary>
public readonly record struct AppendAdmission(bool Appended, IReadOnlyList<AdmissionOutcome> Outcomes);
