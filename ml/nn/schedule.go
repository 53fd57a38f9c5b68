package nn

import "math"

// OneCycle is the one-cycle policy (Smith & Topin 2018) as PyTorch's
// OneCycleLR with cosine annealing (two phases). Over the first PctStart of
// TotalSteps the learning rate rises from MaxLR/DivFactor to MaxLR while the
// momentum falls from MaxMomentum to BaseMomentum; over the rest the
// learning rate falls to MaxLR/(DivFactor·FinalDivFactor) and the momentum
// rises back. Each phase follows half a cosine: from a to b at fraction f
// of the phase the value is b + (a−b)(1 + cos πf)/2. Steps past the end keep
// the final values.
//
// Use LR as Adam.LRSchedule (or SGD.LRSchedule) and Momentum as
// Adam.Beta1Schedule (or SGD.MomentumSchedule).
type OneCycle struct {
	MaxLR          float64
	TotalSteps     int
	PctStart       float64 // fraction of steps spent rising; PyTorch default 0.3
	DivFactor      float64 // initial lr = MaxLR/DivFactor; default 25
	FinalDivFactor float64 // final lr = initial lr/FinalDivFactor; default 1e4
	BaseMomentum   float64 // default 0.85
	MaxMomentum    float64 // default 0.95
}

// NewOneCycle returns a OneCycle with PyTorch's defaults.
func NewOneCycle(maxLR float64, totalSteps int) OneCycle {
	return OneCycle{MaxLR: maxLR, TotalSteps: totalSteps, PctStart: 0.3, DivFactor: 25,
		FinalDivFactor: 1e4, BaseMomentum: 0.85, MaxMomentum: 0.95}
}

// phase returns which phase step is in and the fraction of it done.
func (o OneCycle) phase(step int) (second bool, f float64) {
	end1 := o.PctStart*float64(o.TotalSteps) - 1
	end2 := float64(o.TotalSteps - 1)
	s := float64(step)
	if s <= end1 {
		if end1 <= 0 {
			return false, 1
		}
		return false, s / end1
	}
	if end2 <= end1 {
		return true, 1
	}
	return true, math.Min((s-end1)/(end2-end1), 1)
}

func cosAnneal(a, b, f float64) float64 { return b + (a-b)*(1+math.Cos(math.Pi*f))/2 }

// LR returns the learning rate of step (0-based).
func (o OneCycle) LR(step int) float64 {
	initial := o.MaxLR / o.DivFactor
	second, f := o.phase(step)
	if !second {
		return cosAnneal(initial, o.MaxLR, f)
	}
	return cosAnneal(o.MaxLR, initial/o.FinalDivFactor, f)
}

// Momentum returns the momentum (Adam's β1) of step (0-based).
func (o OneCycle) Momentum(step int) float64 {
	second, f := o.phase(step)
	if !second {
		return cosAnneal(o.MaxMomentum, o.BaseMomentum, f)
	}
	return cosAnneal(o.BaseMomentum, o.MaxMomentum, f)
}
