import { Spin } from 'antd';
import type { ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation, useParams } from 'react-router-dom';
import { AdminLayout } from './layout/AdminLayout';
import { ClassesPage } from './pages/ClassesPage';
import { ClassStudentsPage } from './pages/ClassStudentsPage';
import { RecoveryPage } from './pages/RecoveryPage';
import { ReviewDetailPage } from './pages/ReviewDetailPage';
import { ReviewsPage } from './pages/ReviewsPage';
import { StrandedReviewsPage } from './pages/StrandedReviewsPage';
import { TeachersPage } from './pages/TeachersPage';
import { DashboardPage } from './pages/DashboardPage';
import { LoginPage } from './pages/LoginPage';
import { PasswordPage } from './pages/PasswordPage';
import { SchoolsPage } from './pages/SchoolsPage';
import { SessionProvider, useSession } from './session';

function RequireSession({ children }: { children: ReactNode }) {
  const { me, loading } = useSession();
  const location = useLocation();
  if (loading) return <Spin fullscreen tip="加载中" />;
  if (!me) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (me.passwordChangeRequired && location.pathname !== '/password') return <Navigate to="/password" replace />;
  return <AdminLayout>{children}</AdminLayout>;
}

/** The school of the page: the school admin's own, or the one in the path (operators). */
function SchoolPage({ page }: { page: 'dashboard' | 'classes' | 'teachers' | 'students' }) {
  const { me } = useSession();
  const params = useParams();
  const schoolId = params.schoolId ?? me?.school?.id;
  if (!schoolId) return <Navigate to="/schools" replace />;
  if (page === 'teachers') return <TeachersPage schoolId={schoolId} />;
  if (page === 'students') return <ClassStudentsPage key={params.classId} schoolId={schoolId} classId={params.classId ?? ''} />;
  return page === 'dashboard' ? <DashboardPage schoolId={schoolId} /> : <ClassesPage schoolId={schoolId} />;
}

function Home() {
  const { me } = useSession();
  if (me?.account.role === 'operator') return <Navigate to="/schools" replace />;
  return <SchoolPage page="dashboard" />;
}

export function App() {
  return (
    <SessionProvider>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/" element={<RequireSession><Home /></RequireSession>} />
        <Route path="/classes" element={<RequireSession><SchoolPage page="classes" /></RequireSession>} />
        <Route path="/schools" element={<RequireSession><SchoolsPage /></RequireSession>} />
        <Route path="/schools/:schoolId" element={<RequireSession><SchoolPage page="dashboard" /></RequireSession>} />
        <Route path="/schools/:schoolId/classes" element={<RequireSession><SchoolPage page="classes" /></RequireSession>} />
        <Route path="/teachers" element={<RequireSession><SchoolPage page="teachers" /></RequireSession>} />
        <Route path="/classes/:classId/students" element={<RequireSession><SchoolPage page="students" /></RequireSession>} />
        <Route path="/schools/:schoolId/teachers" element={<RequireSession><SchoolPage page="teachers" /></RequireSession>} />
        <Route path="/schools/:schoolId/classes/:classId/students" element={<RequireSession><SchoolPage page="students" /></RequireSession>} />
        <Route path="/reviews" element={<RequireSession><ReviewsPage /></RequireSession>} />
        <Route path="/reviews/:versionId" element={<RequireSession><ReviewDetailPage /></RequireSession>} />
        <Route path="/recovery" element={<RequireSession><RecoveryPage /></RequireSession>} />
        <Route path="/stranded-reviews" element={<RequireSession><StrandedReviewsPage /></RequireSession>} />
        <Route path="/password" element={<RequireSession><PasswordPage /></RequireSession>} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </SessionProvider>
  );
}
