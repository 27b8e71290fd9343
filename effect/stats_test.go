package effect

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// Student t quantiles from the printed tables (two-sided 95 %).
func TestTQuantileMatchesTables(t *testing.T) {
	for _, tt := range []struct{ df, want float64 }{
		{1, 12.7062047}, {2, 4.3026527}, {5, 2.5705818}, {10, 2.2281389},
		{30, 2.0422725}, {45, 2.0141034}, {46, 2.0128956}, {120, 1.9799304}, {1e7, Z95},
	} {
		if got := TQuantile(0.975, tt.df); !near(got, tt.want, 1e-5) {
			t.Errorf("TQuantile(0.975, %v) = %.7f, want %.7f", tt.df, got, tt.want)
		}
	}
	if got := TQuantile(0.025, 10); !near(got, -2.2281389, 1e-5) {
		t.Errorf("TQuantile(0.025, 10) = %v, want -2.2281389", got)
	}
	if !math.IsNaN(TQuantile(0.975, 0)) || !math.IsNaN(TQuantile(1, 5)) {
		t.Error("TQuantile outside its domain should be NaN")
	}
}

func TestRateDiffByHand(t *testing.T) {
	// 60 of 200 treated vs 30 of 200 held out:
	// d = 0.30 − 0.15 = 0.15; se = √(0.3·0.7/200 + 0.15·0.85/200) = √0.0016875
	// = 0.0410792; 0.15 ± 1.959964·0.0410792 = [0.0694863, 0.2305137].
	iv := RateDiff(60, 200, 30, 200)
	if !near(iv.Diff, 0.15, 1e-12) || !near(iv.SE, 0.0410792, 1e-7) ||
		!near(iv.Low, 0.0694863, 1e-7) || !near(iv.High, 0.2305137, 1e-7) {
		t.Errorf("RateDiff(60,200,30,200) = %+v, want 0.15 [0.0694863, 0.2305137] se 0.0410792", iv)
	}
	if iv.TooSmall || !iv.Significant || iv.Note != NoteSignificantUp {
		t.Errorf("RateDiff(60,200,30,200) flags = %+v, want significant up", iv)
	}
	// 20/100 vs 18/100: se = √(0.16/100 + 0.1476/100) = 0.0554617, d = 0.02,
	// interval [−0.0887029, 0.1287029] includes 0.
	iv = RateDiff(20, 100, 18, 100)
	if !near(iv.Low, -0.0887029, 1e-7) || !near(iv.High, 0.1287029, 1e-7) || iv.Significant || iv.Note != NoteNotSignificant {
		t.Errorf("RateDiff(20,100,18,100) = %+v, want [-0.0887029, 0.1287029], not significant", iv)
	}
}

func TestRateDiffTooSmall(t *testing.T) {
	for _, tt := range []struct {
		name           string
		x1, n1, x2, n2 int64
	}{
		{"control under 30", 10, 100, 5, 29},
		{"too few events", 4, 100, 10, 100},
		{"too few non-events", 98, 100, 50, 100},
	} {
		iv := RateDiff(tt.x1, tt.n1, tt.x2, tt.n2)
		if !iv.TooSmall || iv.Note != NoteTooSmall || iv.Low != 0 || iv.High != 0 || iv.Significant {
			t.Errorf("%s: RateDiff = %+v, want too small", tt.name, iv)
		}
	}
	if iv := RateDiff(10, 100, 0, 0); !iv.TooSmall || iv.Note != NoteNoControl {
		t.Errorf("no control: %+v", iv)
	}
}

func TestMeanDiffWelchByHand(t *testing.T) {
	// Treated: 15 members spent 0 and 15 spent 10 → mean 5, variance
	// 30·25/29 = 25.862069. Control: 20 spent 0, 10 spent 6 → mean 2,
	// variance (20·4 + 10·16)/29 = 8.275862. se = √(25.862069/30 + 8.275862/30)
	// = 1.0667385; df = 1.137931² / ((0.862069² + 0.275862²)/29) = 45.836;
	// t(0.975, 45.836) lies between the tables' 2.0128956 (46) and
	// 2.0141034 (45); d = 3.
	var a, b Sample
	for i := 0; i < 15; i++ {
		a.Add(0)
		a.Add(10)
	}
	for i := 0; i < 20; i++ {
		b.Add(0)
	}
	for i := 0; i < 10; i++ {
		b.Add(6)
	}
	if !near(a.Var(), 25.862069, 1e-6) || !near(b.Var(), 8.275862, 1e-6) {
		t.Fatalf("variances = %v, %v, want 25.862069, 8.275862", a.Var(), b.Var())
	}
	iv := MeanDiff(a, b)
	if !near(iv.Diff, 3, 1e-12) || !near(iv.SE, 1.0667385, 1e-7) || !near(iv.DF, 45.836, 1e-3) {
		t.Errorf("MeanDiff = %+v, want d 3, se 1.0667385, df 45.836", iv)
	}
	lowMin, lowMax := 3-2.0141034*1.0667385, 3-2.0128956*1.0667385
	if iv.Low < lowMin || iv.Low > lowMax || !near(iv.High-iv.Diff, iv.Diff-iv.Low, 1e-9) {
		t.Errorf("MeanDiff interval = [%v, %v], want low in [%v, %v] and symmetric", iv.Low, iv.High, lowMin, lowMax)
	}
	if !iv.Significant || iv.Note != NoteSignificantUp {
		t.Errorf("MeanDiff flags = %+v, want significant up", iv)
	}
	var c Sample
	for i := 0; i < 29; i++ {
		c.Add(1)
	}
	if iv := MeanDiff(a, c); !iv.TooSmall {
		t.Errorf("MeanDiff with 29 controls = %+v, want too small", iv)
	}
}

func TestHeldOutIsStableAndNearItsShare(t *testing.T) {
	held := 0
	for m := int64(1); m <= 20000; m++ {
		h := HeldOut(7, m, 20)
		if h != HeldOut(7, m, 20) {
			t.Fatalf("HeldOut(7, %d, 20) changed between calls", m)
		}
		if HeldOut(7, m, 0) {
			t.Fatalf("HeldOut(7, %d, 0) = true, want nobody held out", m)
		}
		if h && !HeldOut(7, m, 30) {
			t.Fatalf("member %d held out at 20 %% but not at 30 %%", m)
		}
		if h {
			held++
		}
	}
	// Binomial(20000, 0.2): sd = √(20000·0.2·0.8) ≈ 56.6; ±5 sd = ±283.
	if held < 4000-283 || held > 4000+283 {
		t.Errorf("held out %d of 20000 at 20 %%, want about 4000", held)
	}
	same := 0
	for m := int64(1); m <= 1000; m++ {
		if HeldOut(7, m, 50) == HeldOut(8, m, 50) {
			same++
		}
	}
	if same > 600 || same < 400 {
		t.Errorf("tasks 7 and 8 agree on %d of 1000 members at 50 %%, want independent draws (~500)", same)
	}
}
