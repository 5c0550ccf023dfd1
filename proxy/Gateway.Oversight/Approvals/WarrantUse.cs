namespace Gateway.Oversight.Approvals;

/// <summary>Who took a warrant's one use (<see cref="IApprovalStore.GetWarrantUseAsync"/>), read in one operation.</summary>
public enum WarrantUse
{
    /// <summary>Not used: the warrant can still be redeemed.</summary>
    None,

    /// <summary>Used by a redemption: the action was carried out.</summary>
    Redeemed,

    /// <summary>Used by a revocation before any redemption: the action was never carried out.</summary>
    Voided,
}
