using Gateway.Policy.Evidence;
using Gateway.Store;

namespace Gateway.Audit;

internal sealed partial class AuditChainWriter
{
    /// <summary>
    /// One group: its appends and what its store call carries (the sealed lines and records, the receipts asked for and
    /// their batches, the explanations to store, the admissions and settles), filled by the sealer, read by the store during its call
    /// and by the group's finish; kept for the next group once its finish is done, emptied so that it holds nothing alive.
    /// </summary>
    private sealed class Group
    {
        public List<Pending> Pendings { get; } = new(16);

        public List<Pending> Waiting { get; } = new(16);

        public List<byte[]> Lines { get; } = new(16);

        public List<(List<Pending> Pendings, AuditRecord Record, AuditExplanation? Explanation)> Records { get; } = new(16);

        public List<(Pending Pending, AuditReceiptMember Member, DecisionReceipt Claims)> Asked { get; } = new(16);

        public List<AuditReceiptBatch> Batches { get; } = new(1);

        /// <summary>The batches signed while the group's call was in flight, stored by a call of their own (<c>SignInFlight</c>).</summary>
        public List<AuditReceiptBatch> Apart { get; } = new(1);

        public List<AuditExplanation> Unstored { get; } = new(4);

        public List<(AuditEntry Entry, List<Pending> Pendings)> Folded { get; } = new(16);

        public Dictionary<AuditGroupFold.Kind, int> FoldKinds { get; } = [];

        public List<AdmissionRequest> Admissions { get; } = new(16);

        public List<Pending> Admitting { get; } = new(16);

        public List<BudgetSettle> Settles { get; } = new(16);

        /// <summary>The chain's end the group was sealed on.</summary>
        public AuditTip Tip { get; set; }

        /// <summary>The hash of the group's last line, or the tip's when it writes none.</summary>
        public string LastHash { get; set; } = "";

        /// <summary>Time spent sealing it and in its store calls, over every attempt.</summary>
        public TimeSpan Sealing { get; set; }

        public TimeSpan Writing { get; set; }

        /// <summary>The chain's end once the group is appended.</summary>
        public AuditTip End => new(Tip.Length + Lines.Count, LastHash);

        /// <summary>Empties what one attempt filled (not the appends).</summary>
        public void ClearAttempt()
        {
            Waiting.Clear();
            Lines.Clear();
            Records.Clear();
            Asked.Clear();
            Batches.Clear();
            Apart.Clear();
            Unstored.Clear();
            Folded.Clear();
            FoldKinds.Clear();
            Admissions.Clear();
            Admitting.Clear();
            Settles.Clear();
        }

        /// <summary>Empties it for the next group (its appends already taken out).</summary>
        public void Reset()
        {
            ClearAttempt();
            Pendings.Clear();
            Tip = default;
            LastHash = "";
            Sealing = default;
            Writing = default;
        }
    }
}
