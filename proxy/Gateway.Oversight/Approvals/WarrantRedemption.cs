namespace Gateway.Oversight.Approvals;

/// <summary>
/// The result of <see cref="ApprovalService.RedeemWarrantAsync"/>: redeemed (the decision becomes
/// <c>allow_and_log</c>), or refused with a stable <see cref="Reason"/> from <see cref="WarrantReasons"/>.
/// </summary>
public readonly record struct WarrantRedemption(bool Redeemed, string? Reason, WarrantClaims? Claims)
{
    internal static WarrantRedemption Refused(string reason, WarrantClaims? claims = null) => new(false, reason, claims);
}
